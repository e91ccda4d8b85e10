#include "stripe/AccountName.h"

#include <memory>

#include "core/InstallSync.h"

namespace si {
namespace {

std::optional<std::string> fetchName(const StripeApiClient& client, const std::string& accountId, int timeoutMs,
                                     Logger* log)
{
    try {
        if (!looksLikeAccountId(accountId))
            return std::nullopt;
        StripeRequest request;
        request.method = "GET";
        request.path = "/v1/accounts/" + accountId;
        request.timeoutMs = timeoutMs;
        request.maxRetries = 0;
        return accountDisplayName(client.send(request).body);
    } catch (const std::exception& e) {
        if (log)
            log->warn("account_name_unavailable", {{"account", accountId}, {"cause", e.what()}});
    } catch (...) {
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> fetchAccountDisplayName(const StripeApiClient& client, const std::string& accountId,
                                                   int timeoutMs)
{
    return fetchName(client, accountId, timeoutMs, nullptr);
}

AccountNameLookup makeAccountNameLookup(const AppConfig& config, Logger& log, int timeoutMs)
{
    if (config.apiKey.empty())
        return {};
    std::shared_ptr<const StripeApiClient> client;
    try {
        client = std::make_shared<const StripeApiClient>(StripeApiSettings::from(config));
    } catch (const StripeApiError& e) {
        log.warn("account_name_disabled", {{"cause", e.what()}});
        return {};
    }
    Logger* logger = &log;
    return [client, logger, timeoutMs](const std::string& accountId) {
        return fetchName(*client, accountId, timeoutMs, logger);
    };
}

} // namespace si
