#include "core/Cookies.h"

#include "core/Text.h"

namespace si {

std::optional<std::string> findCookie(std::string_view cookieHeader, std::string_view name)
{
    std::size_t start = 0;
    while (start < cookieHeader.size()) {
        std::size_t end = cookieHeader.find(';', start);
        if (end == std::string_view::npos)
            end = cookieHeader.size();
        std::string_view pair = trimWhitespace(cookieHeader.substr(start, end - start));
        start = end + 1;
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos)
            continue;
        if (trimWhitespace(pair.substr(0, eq)) != name)
            continue;
        std::string_view value = trimWhitespace(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        return std::string(value);
    }
    return std::nullopt;
}

std::string formatSetCookie(const std::string& name, const std::string& value, const CookieAttributes& attributes)
{
    std::string out = name + "=" + value + "; Path=" + attributes.path;
    if (attributes.maxAgeSeconds > 0)
        out += "; Max-Age=" + std::to_string(attributes.maxAgeSeconds);
    out += "; HttpOnly; SameSite=" + attributes.sameSite;
    if (attributes.secure)
        out += "; Secure";
    return out;
}

} // namespace si
