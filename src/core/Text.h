#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace si {

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
/// nothing above U+10FFFF).
bool isValidUtf8(std::string_view text);

/// The longest prefix of `text` of at most `maxBytes` bytes that does not
/// end inside a UTF-8 character (a cut there would leave a broken one).
std::size_t utf8PrefixLength(std::string_view text, std::size_t maxBytes);

/// `text` made safe for one log line: printable ASCII kept, everything else
/// (control characters, CR/LF, `"`, `\`, non-ASCII bytes) written as \xNN, and cut to
/// `maxLength` characters with "…" after. Outside input reaches logs only
/// through this.
std::string logSafe(std::string_view text, std::size_t maxLength = 80);

/// Percent-encodes everything but RFC 3986's unreserved characters
/// (A-Z a-z 0-9 - . _ ~), so the result is safe in any URL component.
std::string percentEncode(std::string_view text);

/// Lower-case ASCII copy.
std::string asciiLower(std::string_view text);

/// `text` without leading and trailing spaces and tabs.
std::string_view trimWhitespace(std::string_view text);

/// `digits` as a non-negative integer when it is 1..maxDigits decimal digits
/// (maxDigits ≤ 18, so it cannot overflow); nullopt otherwise.
std::optional<std::int64_t> parseDecimalDigits(std::string_view digits, std::size_t maxDigits = 18);

/// True for a loopback host name or address: localhost, ::1 ([::1]) and
/// 127.x.y.z (digits and dots only, so "127.evil.example" is not one).
bool isLoopbackHost(std::string_view host);

/// The non-empty, trimmed items of a comma-separated list ("a, b,,c" → a b c).
std::vector<std::string> splitCommaList(std::string_view list);

} // namespace si
