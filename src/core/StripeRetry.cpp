#include "core/StripeRetry.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

#include "core/Text.h"

namespace si {

bool shouldRetry(const AttemptResult& result)
{
    if (result.succeeded())
        return false;
    if (result.shouldRetry) {
        const std::string verdict = asciiLower(trimWhitespace(*result.shouldRetry));
        if (verdict == "true")
            return true;
        if (verdict == "false")
            return false;
    }
    if (result.status == 0)
        return result.networkRetryable;
    return result.status == 409 || result.status == 429 || result.status >= 500;
}

std::chrono::milliseconds backoffDelay(int retry, const RetryPolicy& policy, double jitter,
                                       const std::optional<std::string>& retryAfter)
{
    using std::chrono::milliseconds;
    const long long initial = std::max<long long>(policy.initialDelay.count(), 0);
    const long long ceiling = std::max<long long>(policy.maxDelay.count(), initial);
    long long base = initial;
    for (int i = 1; i < retry && base < ceiling; ++i)
        base *= 2;
    base = std::min(base, ceiling);
    jitter = std::clamp(jitter, 0.0, 1.0);
    long long delay = std::max(static_cast<long long>(static_cast<double>(base) * (0.5 + 0.5 * jitter)), initial);
    if (retryAfter) {
        const std::string_view text = trimWhitespace(*retryAfter);
        long long seconds = -1;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (error == std::errc() && end == text.data() + text.size() && seconds >= 0 &&
            seconds * 1000 <= ceiling)
            delay = std::max(delay, seconds * 1000);
    }
    return milliseconds(delay);
}

AttemptResult runWithRetries(const std::function<AttemptResult(int attempt)>& attempt, const RetryPolicy& policy,
                             const Sleeper& sleep, const Jitter& jitter, const RetryNotice& notice)
{
    AttemptResult result = attempt(0);
    for (int retry = 1; retry <= policy.maxRetries && shouldRetry(result); ++retry) {
        const auto delay = backoffDelay(retry, policy, jitter ? jitter() : 1.0, result.retryAfter);
        if (notice)
            notice(retry, result, delay);
        if (sleep)
            sleep(delay);
        result = attempt(retry);
    }
    return result;
}

Sleeper threadSleeper()
{
    return [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
}

Jitter randomJitter()
{
    return [] {
        thread_local std::mt19937 engine{std::random_device{}()};
        return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
}

} // namespace si
