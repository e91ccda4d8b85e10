#pragma once
// Authenticated calls to Stripe's API: the port the commands and the success
// page use. The HTTPS client behind it (net/StripeApiClient, Poco NetSSL) is
// in the network module stripe-install-net.so, loaded by connectStripeApi on
// first use, so a web request that calls no API never loads OpenSSL.
#include <functional>
#include <memory>
#include <string>

#include "config/AppConfig.h"
#include "core/StripeError.h"
#include "core/StripeRequest.h"
#include "core/StripeRetry.h"

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

/// Stripe's API with one secret key. The key never reaches a message or a
/// log line: errors are redacted and retry notices name only the method,
/// path and status.
class StripeApi {
public:
    virtual ~StripeApi() = default;

    /// Sends `request` (retrying as the policy allows) and returns the 2xx
    /// answer. Throws StripeApiError with Stripe's error made into a message
    /// (status > 0), or why no answer came (status 0: refused, TLS,
    /// timeout). Safe to call from several threads at once.
    virtual StripeResponse send(StripeRequest request) const = 0;
};

/// The HTTPS client from the network module. Throws StripeApiError (status
/// 0) when the settings cannot work (no key, a base that is not http(s), an
/// unreadable CA file), and ModuleError (modules/ModuleLoader.h) naming the
/// file when the module is missing or broken.
std::unique_ptr<StripeApi> connectStripeApi(StripeApiSettings settings, StripeApiNotice notice = {});

} // namespace si
