#pragma once
#include <string>
#include <string_view>

namespace si {

/// HMAC-SHA256 of `message` under `key`, as lower-case hex (64 characters),
/// the form Stripe puts in a `v1=` signature.
std::string hmacSha256Hex(std::string_view key, std::string_view message);

/// SHA-256 of `data` as lower-case hex. Used to store state tokens and browser
/// bindings by digest only, never in the clear.
std::string sha256Hex(std::string_view data);

/// Compares two strings in time that depends only on their lengths, so a
/// signature check leaks nothing about how many leading characters matched.
bool constantTimeEquals(std::string_view a, std::string_view b);

} // namespace si
