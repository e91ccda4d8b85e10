#include "core/QueryString.h"

#include "core/Text.h"

namespace si {
namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string problemWith(std::string_view what, std::string_view key)
{
    return "parameter \"" + logSafe(key, 40) + "\" " + std::string(what);
}

} // namespace

std::optional<std::string> formDecode(std::string_view component)
{
    std::string out;
    out.reserve(component.size());
    for (std::size_t i = 0; i < component.size(); ++i) {
        const char c = component[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= component.size())
                return std::nullopt;
            const int high = hexValue(component[i + 1]);
            const int low = hexValue(component[i + 2]);
            if (high < 0 || low < 0)
                return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> QueryString::get(std::string_view key) const
{
    for (const auto& [name, value] : _params)
        if (name == key)
            return value;
    return std::nullopt;
}

QueryString::Parsed QueryString::parse(std::string_view raw)
{
    Parsed result;
    std::size_t start = 0;
    while (start <= raw.size()) {
        std::size_t amp = raw.find('&', start);
        if (amp == std::string_view::npos)
            amp = raw.size();
        std::string_view pair = raw.substr(start, amp - start);
        start = amp + 1;
        if (pair.empty())
            continue;
        const std::size_t eq = pair.find('=');
        const std::string_view rawKey = pair.substr(0, eq);
        const std::string_view rawValue =
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);

        auto key = formDecode(rawKey);
        if (!key) {
            result.error = "a parameter name has an invalid percent-escape (expected %XX with two hex digits)";
            return result;
        }
        if (!isValidUtf8(*key) || key->find('\0') != std::string::npos) {
            result.error = "a parameter name is not valid UTF-8 text";
            return result;
        }
        auto value = formDecode(rawValue);
        if (!value) {
            result.error = problemWith("has an invalid percent-escape (expected %XX with two hex digits)", *key);
            return result;
        }
        if (!isValidUtf8(*value)) {
            result.error = problemWith("is not valid UTF-8", *key);
            return result;
        }
        if (value->find('\0') != std::string::npos) {
            result.error = problemWith("contains a NUL byte", *key);
            return result;
        }
        if (result.query.has(*key)) {
            result.error = problemWith("appears more than once, which is ambiguous", *key);
            return result;
        }
        result.query._params.emplace_back(std::move(*key), std::move(*value));
    }
    return result;
}

} // namespace si
