#pragma once
// Authenticated calls to Stripe's API over HTTPS (Poco NetSSL), with
// Stripe's conventions: the secret key as a Bearer token, form-encoded
// bodies, Stripe-Account for a connected account, a pinned Stripe-Version,
// an Idempotency-Key on every POST (the same on its retries), a timeout per
// attempt, and retries with backoff (see core/StripeRetry.h).
//
// The key never reaches a message or a log line: errors are redacted and
// retry notices name only the method, path and status.
#include <functional>
#include <memory>
#include <string>

#include <Poco/AutoPtr.h>

#include "config/AppConfig.h"
#include "core/StripeError.h"
#include "core/StripeRequest.h"
#include "core/StripeRetry.h"

namespace Poco::Net {
class Context;
}

namespace si {

struct StripeApiSettings {
    std::string apiKey;
    std::string apiBase = "https://api.stripe.com"; ///< scheme://host[:port]
    std::string apiVersion = kDefaultStripeApiVersion;
    int timeoutMs = 10000;
    std::string caFile;       ///< extra CA bundle (PEM), beside the system's; "" = system only
    RetryPolicy retry;

    /// From the [stripe] api_* keys.
    static StripeApiSettings from(const AppConfig& config);
};

/// A successful answer (2xx).
struct StripeResponse {
    int status = 0;
    std::string body;      ///< JSON
    std::string requestId; ///< Request-Id header, "" when absent
};

/// One line about a retry, for stderr or the log (holds no secret).
using StripeApiNotice = std::function<void(const std::string& line)>;

class StripeApiClient {
public:
    /// Throws StripeApiError (status 0) when the settings cannot work: no
    /// key, a base that is not http(s), an unreadable CA file.
    explicit StripeApiClient(StripeApiSettings settings, StripeApiNotice notice = {},
                             Sleeper sleep = threadSleeper(), Jitter jitter = randomJitter());
    ~StripeApiClient();

    /// Sends `request` (retrying as the policy allows) and returns the 2xx
    /// answer. Throws StripeApiError with Stripe's error made into a message
    /// (status > 0), or why no answer came (status 0: refused, TLS,
    /// timeout). Safe to call from several threads at once.
    StripeResponse send(StripeRequest request) const;

    const StripeApiSettings& settings() const { return _settings; }

private:
    AttemptResult attempt(const StripeRequest& request, int timeoutMs) const;

    StripeApiSettings _settings;
    StripeApiNotice _notice;
    Sleeper _sleep;
    Jitter _jitter;
    bool _https = true;
    std::string _host;
    unsigned short _port = 443;
    Poco::AutoPtr<Poco::Net::Context> _context;
};

} // namespace si
