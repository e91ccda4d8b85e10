#include "core/StripeRequest.h"

#include <cctype>
#include <cstdio>

#include "core/Text.h"

namespace si {
namespace {

std::string formComponent(const std::string& text)
{
    std::string encoded = percentEncode(text);
    // percentEncode writes upper-case hex, so these are the only spellings.
    for (const auto& [from, to] : {std::pair<const char*, const char*>{"%5B", "["}, {"%5D", "]"}}) {
        for (std::size_t at = encoded.find(from); at != std::string::npos; at = encoded.find(from, at + 1))
            encoded.replace(at, 3, to);
    }
    return encoded;
}

bool sendsBody(const std::string& method) { return method == "POST"; }

} // namespace

std::string formEncode(const FormFields& fields)
{
    std::string out;
    for (const auto& [key, value] : fields) {
        if (!out.empty())
            out += '&';
        out += formComponent(key) + "=" + formComponent(value);
    }
    return out;
}

std::optional<std::string> checkStripeRequest(const std::string& method, const std::string& path)
{
    if (method != "GET" && method != "POST" && method != "DELETE")
        return "the method must be GET, POST or DELETE, not \"" + logSafe(method) + "\"";
    if (path.rfind("/v1/", 0) != 0)
        return "the path must start with /v1/ (e.g. /v1/accounts/acct_123), not \"" + logSafe(path) + "\"";
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7F || c == '?' || c == '#')
            return "the path must hold no space, control character, '?' or '#' (give parameters as key=value)";
    }
    if (path.find("..") != std::string::npos || path.find("//") != std::string::npos)
        return "the path must not contain \"..\" or \"//\"";
    return std::nullopt;
}

bool looksLikeAccountId(const std::string& text)
{
    if (text.size() <= 5 || text.rfind("acct_", 0) != 0)
        return false;
    for (std::size_t i = 5; i < text.size(); ++i)
        if (!std::isalnum(static_cast<unsigned char>(text[i])))
            return false;
    return true;
}

std::string requestTarget(const StripeRequest& request)
{
    if (sendsBody(request.method) || request.params.empty())
        return request.path;
    return request.path + "?" + formEncode(request.params);
}

std::string requestBody(const StripeRequest& request)
{
    return sendsBody(request.method) ? formEncode(request.params) : std::string();
}

FormFields stripeHeaders(const StripeRequest& request, const std::string& apiKey, const std::string& apiVersion,
                         const std::string& userAgent)
{
    FormFields headers = {{"Authorization", "Bearer " + apiKey}, {"Stripe-Version", apiVersion}};
    if (!request.account.empty())
        headers.emplace_back("Stripe-Account", request.account);
    if (sendsBody(request.method)) {
        headers.emplace_back("Idempotency-Key", request.idempotencyKey);
        headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    headers.emplace_back("Accept", "application/json");
    headers.emplace_back("User-Agent", userAgent);
    return headers;
}

std::string mintIdempotencyKey(RandomSource& random)
{
    unsigned char bytes[16];
    random.fill(bytes, sizeof bytes);
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40); // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
    std::string out;
    char hex[3];
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += '-';
        std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
        out += hex;
    }
    return out;
}

std::optional<bool> apiKeyLivemode(const std::string& apiKey)
{
    for (const char* prefix : {"sk_live_", "rk_live_"})
        if (apiKey.rfind(prefix, 0) == 0)
            return true;
    for (const char* prefix : {"sk_test_", "rk_test_"})
        if (apiKey.rfind(prefix, 0) == 0)
            return false;
    return std::nullopt;
}

} // namespace si
