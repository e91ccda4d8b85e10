#include "stripe/AccountName.h"

#include <chrono>
#include <future>
#include <memory>
#include <thread>

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
    return [client, logger, timeoutMs](const std::string& accountId) -> std::optional<std::string> {
        // A hard deadline of our own: a socket timeout does not bound every
        // way a server can stall (seen with a TLS server answering late), and
        // the page must never wait longer than timeoutMs. A late answer is
        // dropped by the detached thread, which holds everything it uses.
        auto answer = std::make_shared<std::promise<std::optional<std::string>>>();
        auto future = answer->get_future();
        std::thread([client, logger, timeoutMs, accountId, answer] {
            answer->set_value(fetchName(*client, accountId, timeoutMs, logger));
        }).detach();
        if (future.wait_for(std::chrono::milliseconds(timeoutMs)) == std::future_status::ready)
            return future.get();
        logger->warn("account_name_unavailable",
                     {{"account", accountId}, {"cause", "no answer within " + std::to_string(timeoutMs) + " ms"}});
        return std::nullopt;
    };
}

} // namespace si
