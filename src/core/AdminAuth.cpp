#include "core/AdminAuth.h"
#include "core/Text.h"

#include <algorithm>

#include <Poco/HMACEngine.h>
#include <Poco/PBKDF2Engine.h>
#include <Poco/SHA2Engine.h>

#include "core/HmacSha256.h"

namespace si {
namespace {

// As in HmacSha256.cpp: Poco 1.11's HMACEngine needs BLOCK_SIZE and
// DIGEST_SIZE, which SHA2Engine lacks.
class Sha256Engine : public Poco::SHA2Engine {
public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

const char* const kScheme = "pbkdf2-sha256";
const char* const kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64UrlEncode(std::string_view bytes)
{
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out += kBase64Url[(v >> shift) & 0x3F];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2)
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kBase64Url[(v >> 18) & 0x3F];
        out += kBase64Url[(v >> 12) & 0x3F];
        if (rest == 2)
            out += kBase64Url[(v >> 6) & 0x3F];
    }
    return out;
}

/// Strict: base64url alphabet only, no padding, no stray bits.
std::optional<std::string> base64UrlDecode(std::string_view text)
{
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        const char* at = std::find(kBase64Url, kBase64Url + 64, c);
        if (at == kBase64Url + 64)
            return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(at - kBase64Url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    if ((buffer & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

std::optional<std::int64_t> parseDecimal(std::string_view digits, std::size_t maxDigits)
{
    // The formats we write never have leading zeros: refuse them, so each
    // value has exactly one spelling.
    if (digits.size() > 1 && digits[0] == '0')
        return std::nullopt;
    return parseDecimalDigits(digits, maxDigits);
}

std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos)
            return parts;
        start = at + 1;
    }
}

std::string sessionSignature(std::string_view key, std::string_view expiry, std::string_view nonce)
{
    // Domain-separated from CSRF tokens, so one can never stand in for the other.
    return hmacSha256Hex(key, "session|" + std::string(expiry) + "|" + std::string(nonce));
}

} // namespace

std::string pbkdf2HmacSha256(std::string_view password, std::string_view salt, unsigned iterations,
                             std::size_t length)
{
    Poco::PBKDF2Engine<Poco::HMACEngine<Sha256Engine>> engine(std::string(salt), iterations,
                                                              static_cast<Poco::UInt32>(length));
    engine.update(password.data(), static_cast<unsigned>(password.size()));
    const auto& digest = engine.digest();
    return std::string(digest.begin(), digest.end());
}

std::string hashPassword(std::string_view password, RandomSource& random, unsigned iterations)
{
    unsigned char salt[16];
    random.fill(salt, sizeof salt);
    const std::string saltBytes(reinterpret_cast<const char*>(salt), sizeof salt);
    return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + base64UrlEncode(saltBytes) + "$" +
           base64UrlEncode(pbkdf2HmacSha256(password, saltBytes, iterations));
}

std::optional<PasswordHash> parsePasswordHash(std::string_view stored, std::string* problem)
{
    auto fail = [&](const std::string& why) -> std::optional<PasswordHash> {
        if (problem)
            *problem = why;
        return std::nullopt;
    };
    const auto parts = split(stored, '$');
    if (parts.size() != 4 || parts[0] != kScheme)
        return fail("expected pbkdf2-sha256$<iterations>$<salt>$<hash>, as `stripe-install admin set-password` prints");
    const auto iterations = parseDecimal(parts[1], 9);
    if (!iterations || *iterations < kMinPasswordIterations || *iterations > kMaxPasswordIterations)
        return fail("the iteration count must be a number from " + std::to_string(kMinPasswordIterations) + " to " +
                    std::to_string(kMaxPasswordIterations));
    auto salt = base64UrlDecode(parts[2]);
    auto hash = base64UrlDecode(parts[3]);
    if (!salt || salt->size() < 16)
        return fail("the salt must be at least 16 bytes in base64url");
    if (!hash || hash->size() != 32)
        return fail("the hash must be 32 bytes in base64url");
    return PasswordHash{static_cast<unsigned>(*iterations), std::move(*salt), std::move(*hash)};
}

bool verifyPassword(std::string_view password, std::string_view stored)
{
    const auto parsed = parsePasswordHash(stored);
    if (!parsed)
        return false;
    return constantTimeEquals(pbkdf2HmacSha256(password, parsed->salt, parsed->iterations), parsed->hash);
}

std::string adminSessionKey(std::string_view sessionSecret, std::string_view passwordHash)
{
    if (!sessionSecret.empty())
        return hmacSha256Hex(sessionSecret, "stripe-install admin session key");
    return hmacSha256Hex(passwordHash, "stripe-install admin session key (from password hash)");
}

std::string mintSessionToken(std::string_view key, std::int64_t now, std::int64_t ttlSeconds, RandomSource& random)
{
    const std::string expiry = std::to_string(now + ttlSeconds);
    const std::string nonce = mintToken(random);
    return expiry + "." + nonce + "." + sessionSignature(key, expiry, nonce);
}

std::string toCode(SessionCheck check)
{
    switch (check) {
    case SessionCheck::Valid:
        return "valid";
    case SessionCheck::Malformed:
        return "malformed";
    case SessionCheck::BadSignature:
        return "bad_signature";
    case SessionCheck::Expired:
        return "expired";
    }
    return "malformed";
}

SessionCheck checkSessionToken(std::string_view key, std::string_view token, std::int64_t now)
{
    const auto parts = split(token, '.');
    if (parts.size() != 3 || !looksLikeToken(std::string(parts[1])) || parts[2].size() != 64)
        return SessionCheck::Malformed;
    const auto expiry = parseDecimal(parts[0], 18);
    if (!expiry)
        return SessionCheck::Malformed;
    // The signature first, so a forged token learns nothing about expiry handling.
    if (!constantTimeEquals(sessionSignature(key, parts[0], parts[1]), parts[2]))
        return SessionCheck::BadSignature;
    if (now >= *expiry)
        return SessionCheck::Expired;
    return SessionCheck::Valid;
}

std::string csrfToken(std::string_view key, std::string_view binding)
{
    return hmacSha256Hex(key, "csrf|" + std::string(binding));
}

bool checkCsrfToken(std::string_view key, std::string_view binding, std::string_view submitted)
{
    if (binding.empty())
        return false;
    return constantTimeEquals(csrfToken(key, binding), submitted);
}

LoginThrottleDecision loginThrottle(const std::vector<std::int64_t>& failureTimes, std::int64_t now,
                                    const LoginThrottlePolicy& policy)
{
    int recent = 0;
    std::int64_t latest = 0;
    for (std::int64_t at : failureTimes) {
        if (at <= now - policy.window)
            continue;
        ++recent;
        latest = std::max(latest, at);
    }
    if (recent < policy.freeFailures)
        return {};
    std::int64_t delay = policy.baseDelay;
    for (int i = policy.freeFailures; i < recent && delay < policy.maxDelay; ++i)
        delay *= 2;
    delay = std::min(delay, policy.maxDelay);
    const std::int64_t wait = latest + delay - now;
    if (wait <= 0)
        return {};
    return {false, wait};
}

} // namespace si
