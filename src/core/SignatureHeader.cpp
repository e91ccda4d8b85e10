#include "core/SignatureHeader.h"

#include "core/HmacSha256.h"
#include "core/Text.h"

namespace si {

SignatureHeader parseSignatureHeader(std::string_view header)
{
    SignatureHeader parsed;
    std::size_t start = 0;
    while (start <= header.size()) {
        std::size_t comma = header.find(',', start);
        if (comma == std::string_view::npos)
            comma = header.size();
        std::string_view item = trimWhitespace(header.substr(start, comma - start));
        std::size_t eq = item.find('=');
        if (eq != std::string_view::npos) {
            std::string_view key = item.substr(0, eq);
            std::string_view value = item.substr(eq + 1);
            if (key == "t")
                parsed.timestamp = parseDecimalDigits(value); // 18 digits: no real timestamp needs more
            else if (key == "v1")
                parsed.v1Signatures.emplace_back(value);
        }
        start = comma + 1;
    }
    return parsed;
}

std::string signStripeStyle(std::string_view payload, std::string_view secret, std::int64_t timestamp)
{
    std::string t = std::to_string(timestamp);
    std::string signedText = t + "." + std::string(payload);
    return "t=" + t + ",v1=" + hmacSha256Hex(secret, signedText);
}

} // namespace si
