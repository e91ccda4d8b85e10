#pragma once
// One call to Stripe's API, as plain data, and the pure steps that turn it
// into what goes on the wire (form encoding, headers, idempotency key). The
// HTTPS adapter is src/stripe/StripeApiClient; nothing here opens a socket.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/StateToken.h"

namespace si {

/// Form fields in order; a key may repeat (e.g. "expand[]").
using FormFields = std::vector<std::pair<std::string, std::string>>;

struct StripeRequest {
    std::string method = "GET";     ///< GET, POST or DELETE
    std::string path;               ///< e.g. /v1/accounts/acct_123 (no query)
    FormFields params;              ///< the query (GET, DELETE) or the form body (POST)
    std::string account;            ///< Stripe-Account (acct_…), "" for the platform itself
    std::string idempotencyKey;     ///< POST only; minted by the client when empty
    std::optional<int> timeoutMs;   ///< overrides the client's timeout for this call
    std::optional<int> maxRetries;  ///< overrides the client's retry count for this call
};

/// application/x-www-form-urlencoded as Stripe's libraries send it: every
/// byte but A-Z a-z 0-9 - . _ ~ percent-encoded, except '[' and ']' which
/// stay readable (Stripe's nested-parameter syntax, e.g. metadata[order]).
std::string formEncode(const FormFields& fields);

/// Why `method` and `path` cannot be sent, or nothing when they can: the
/// method must be GET, POST or DELETE; the path must start with "/v1/" and
/// hold no query, fragment, space, control character or "..".
std::optional<std::string> checkStripeRequest(const std::string& method, const std::string& path);

/// True for "acct_" followed by letters and digits.
bool looksLikeAccountId(const std::string& text);

/// The request target: the path, plus "?" and the encoded params for GET
/// and DELETE when there are any.
std::string requestTarget(const StripeRequest& request);

/// The body: the encoded params for POST, else "".
std::string requestBody(const StripeRequest& request);

/// Every header the request carries, in order: Authorization (Bearer
/// `apiKey`), Stripe-Version, Stripe-Account when set, Idempotency-Key and
/// Content-Type on POST, Accept, User-Agent. The values of this list are
/// secret (Authorization): never log it whole.
FormFields stripeHeaders(const StripeRequest& request, const std::string& apiKey, const std::string& apiVersion,
                         const std::string& userAgent);

/// A random version-4 UUID (36 characters), as Stripe's libraries use for
/// Idempotency-Key. The same key is sent again on every retry of one call.
std::string mintIdempotencyKey(RandomSource& random);

/// Which mode an API key works in: true for sk_live_/rk_live_, false for
/// sk_test_/rk_test_, nothing for any other shape.
std::optional<bool> apiKeyLivemode(const std::string& apiKey);

} // namespace si
