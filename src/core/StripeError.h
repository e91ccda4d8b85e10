#pragma once
// Stripe's error answers made into messages that say what to fix, and the
// one exception the API client throws.
#include <optional>
#include <stdexcept>
#include <string>

namespace si {

/// The fields of Stripe's error JSON: {"error": {"type", "code", "message", …}}.
struct StripeErrorBody {
    std::string type;        ///< e.g. invalid_request_error, authentication_error
    std::string code;        ///< e.g. resource_missing ("" when absent)
    std::string declineCode; ///< card errors only
    std::string message;     ///< Stripe's own sentence
    std::string param;       ///< the parameter at fault ("" when none)
    std::string docUrl;
};

/// The error object of a Stripe error answer, or nothing when `body` is not
/// JSON with an "error" object.
std::optional<StripeErrorBody> parseStripeError(const std::string& body);

/// One line for a failed answer, e.g. `Stripe answered 401 (authentication_error):
/// Invalid API Key provided: sk_test_****1234 - check [stripe] api_key or
/// STRIPE_API_KEY [request req_123]`. A body that is not Stripe's error JSON
/// is described by its start (through logSafe). Never contains `secret`
/// (the API key), even when the answer echoes it.
std::string describeStripeFailure(int status, const std::string& body, const std::string& requestId,
                                  const std::string& secret);

/// `text` with every occurrence of `secret` (when not empty) replaced by
/// "[redacted]".
std::string redactSecret(std::string text, const std::string& secret);

/// A call to Stripe that did not succeed: an error answer after any retries
/// (status is the HTTP status) or no answer at all (status 0: connection
/// refused, TLS failure, timeout). what() is the message for the merchant;
/// it never holds the API key.
class StripeApiError : public std::runtime_error {
public:
    StripeApiError(int status, const std::string& message, std::string type = {}, std::string code = {},
                   std::string requestId = {})
        : std::runtime_error(message), _status(status), _type(std::move(type)), _code(std::move(code)),
          _requestId(std::move(requestId))
    {
    }
    int status() const { return _status; }
    const std::string& type() const { return _type; }
    const std::string& code() const { return _code; }
    const std::string& requestId() const { return _requestId; }

private:
    int _status;
    std::string _type;
    std::string _code;
    std::string _requestId;
};

} // namespace si
