#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace si {

/// The parts of a `Stripe-Signature`-style header that verification uses:
/// `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`. Other keys (`v0`, future schemes)
/// are ignored, as Stripe's libraries ignore them.
struct SignatureHeader {
    std::optional<std::int64_t> timestamp; ///< absent when no valid `t=`
    std::vector<std::string> v1Signatures;  ///< every `v1=` value, in order
};

/// Splits a header into its parts. Never throws: whatever cannot be read is
/// simply absent. Spaces around items (as after ", ") are tolerated; a
/// timestamp must be decimal digits; a repeated `t=` keeps the last, as
/// stripe-node does.
SignatureHeader parseSignatureHeader(std::string_view header);

/// Formats a header the way Stripe signs: `t=<t>,v1=<hmac-sha256 hex of
/// "<t>.<payload>">`. Used by the local Stripe stand-in and the tests.
std::string signStripeStyle(std::string_view payload, std::string_view secret, std::int64_t timestamp);

} // namespace si
