#include "stripe/AccountName.h"

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "core/InstallSync.h"

namespace si {
namespace {

std::optional<std::string> fetchName(const StripeApi& client, const std::string& accountId, int timeoutMs,
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

/// The client, made on first use. After a failure (logged) none until
/// `retryAfter` has passed: the module may be installed meanwhile.
class LazyClient {
public:
    LazyClient(StripeApiSettings settings, Logger& log, std::chrono::steady_clock::duration retryAfter)
        : _settings(std::move(settings)), _log(log), _retryAfter(retryAfter)
    {
    }

    std::shared_ptr<const StripeApi> get()
    {
        std::lock_guard<std::mutex> lock(_mutex);
        const auto now = std::chrono::steady_clock::now();
        if (!_client && (!_failedAt || now - *_failedAt >= _retryAfter)) {
            try {
                _client = connectStripeApi(_settings);
            } catch (const std::exception& e) { // StripeApiError, ModuleError
                _failedAt = now;
                const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(_retryAfter).count();
                _log.warn("account_name_disabled",
                          {{"cause", e.what()}, {"retry_after_seconds", std::to_string(seconds)}});
            }
        }
        return _client;
    }

private:
    std::mutex _mutex;
    StripeApiSettings _settings;
    Logger& _log;
    const std::chrono::steady_clock::duration _retryAfter;
    std::shared_ptr<const StripeApi> _client;
    std::optional<std::chrono::steady_clock::time_point> _failedAt;
};

} // namespace

std::optional<std::string> fetchAccountDisplayName(const StripeApi& client, const std::string& accountId,
                                                   int timeoutMs)
{
    return fetchName(client, accountId, timeoutMs, nullptr);
}

AccountNameLookup makeAccountNameLookup(const AppConfig& config, Logger& log, int timeoutMs,
                                        std::chrono::steady_clock::duration retryAfter)
{
    if (config.apiKey.empty())
        return {};
    auto lazy = std::make_shared<LazyClient>(StripeApiSettings::from(config), log, retryAfter);
    Logger* logger = &log;
    return [lazy, logger, timeoutMs](const std::string& accountId) -> std::optional<std::string> {
        const std::shared_ptr<const StripeApi> client = lazy->get();
        if (!client)
            return std::nullopt;
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
