#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace si {

/// The value of cookie `name` in a `Cookie:` request header, if present.
/// With several cookies of that name (a parent path's and ours), the first
/// one wins, as browsers send the most specific path first.
std::optional<std::string> findCookie(std::string_view cookieHeader, std::string_view name);

struct CookieAttributes {
    std::string path = "/";
    bool secure = false;         ///< set when the request came over HTTPS
    long long maxAgeSeconds = 0; ///< 0: a session cookie
    std::string sameSite = "Lax";
};

/// A `Set-Cookie` value: always HttpOnly. `name` and `value` must be
/// cookie-safe tokens (the program only sets values it minted).
std::string formatSetCookie(const std::string& name, const std::string& value, const CookieAttributes& attributes);

} // namespace si
