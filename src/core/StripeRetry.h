#pragma once
// When to retry a call to Stripe and how long to wait, as Stripe's own
// libraries do: network errors, 409, 429 and 5xx are retried, unless the
// answer says `Stripe-Should-Retry: false` (and `true` forces a retry);
// waits grow exponentially with jitter and honour a short Retry-After.
// Time is injected (Sleeper, Jitter) so tests run instantly.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace si {

/// What one attempt came back with.
struct AttemptResult {
    int status = 0;                          ///< HTTP status; 0 = no answer (see networkError)
    std::string body;
    std::string requestId;                   ///< Request-Id header
    std::optional<std::string> shouldRetry;  ///< Stripe-Should-Retry header
    std::optional<std::string> retryAfter;   ///< Retry-After header
    std::string networkError;                ///< why there was no answer
    bool networkRetryable = true;            ///< false for faults a retry cannot fix (bad certificate)
    bool succeeded() const { return status >= 200 && status < 300; }
};

struct RetryPolicy {
    int maxRetries = 2;                                 ///< retries after the first attempt
    std::chrono::milliseconds initialDelay{500};
    std::chrono::milliseconds maxDelay{5000};
};

/// True when a failed attempt is worth another: Stripe-Should-Retry decides
/// when present; else no answer (if retryable), 409, 429 or 5xx.
bool shouldRetry(const AttemptResult& result);

/// The wait before retry number `retry` (1-based): min(initial·2^(retry−1),
/// max) scaled into [½, 1] by `jitter` (0..1), never below `initial`; a
/// Retry-After of whole seconds not above `max` is honoured when longer.
std::chrono::milliseconds backoffDelay(int retry, const RetryPolicy& policy, double jitter,
                                       const std::optional<std::string>& retryAfter);

using Sleeper = std::function<void(std::chrono::milliseconds)>;
using Jitter = std::function<double()>; ///< uniform in [0, 1]
/// Told before each retry: which one (1-based), the failed attempt, the wait.
using RetryNotice = std::function<void(int retry, const AttemptResult& failed, std::chrono::milliseconds delay)>;

/// Calls `attempt` (with its 0-based number) until it succeeds, fails in a
/// way not worth retrying, or the policy's retries are spent; returns the
/// last result. Never throws itself.
AttemptResult runWithRetries(const std::function<AttemptResult(int attempt)>& attempt, const RetryPolicy& policy,
                             const Sleeper& sleep, const Jitter& jitter, const RetryNotice& notice = {});

/// The real sleeper (std::this_thread::sleep_for) and jitter (std::random_device).
Sleeper threadSleeper();
Jitter randomJitter();

} // namespace si
