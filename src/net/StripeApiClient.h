#pragma once
// The StripeApi port over HTTPS (Poco NetSSL), in the network module, with
// Stripe's conventions: the secret key as a Bearer token, form-encoded
// bodies, Stripe-Account for a connected account, a pinned Stripe-Version,
// an Idempotency-Key on every POST (the same on its retries), a timeout per
// attempt, and retries with backoff (see core/StripeRetry.h).
//
// The key never reaches a message or a log line: errors are redacted and
// retry notices name only the method, path and status.
#include <string>

#include <Poco/AutoPtr.h>

#include "core/StripeRetry.h"
#include "stripe/StripeApi.h"

namespace Poco::Net {
class Context;
}

namespace si {

class StripeApiClient : public StripeApi {
public:
    /// Throws StripeApiError (status 0) when the settings cannot work: no
    /// key, a base that is not http(s), an unreadable CA file.
    explicit StripeApiClient(StripeApiSettings settings, StripeApiNotice notice = {},
                             Sleeper sleep = threadSleeper(), Jitter jitter = randomJitter());
    ~StripeApiClient();

    /// See StripeApi::send.
    StripeResponse send(StripeRequest request) const override;

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
