#include "core/StateToken.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <Poco/Base64Encoder.h>

#include "core/HmacSha256.h"

namespace si {

void SystemRandom::fill(unsigned char* bytes, std::size_t size)
{
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got = getrandom(bytes + done, size - done, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(got);
    }
}

RandomBatch::RandomBatch(RandomSource& source, std::size_t size)
    : _source(source), _size(std::min(size, kMaxBytes))
{
    _source.fill(_bytes, _size);
}

RandomBatch::~RandomBatch()
{
    explicit_bzero(_bytes, sizeof _bytes);
}

void RandomBatch::fill(unsigned char* bytes, std::size_t size)
{
    const std::size_t served = std::min(size, _size - _used);
    std::memcpy(bytes, _bytes + _used, served);
    _used += served;
    if (served < size)
        _source.fill(bytes + served, size - served);
}

namespace {

std::string base64Url(const unsigned char (&bytes)[32])
{
    std::ostringstream out;
    {
        Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
        encoder.rdbuf()->setLineLength(0);
        encoder.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
        encoder.close();
    }
    return out.str();
}

/// The value of one base64url character (looksLikeToken has checked it).
unsigned base64UrlValue(char c)
{
    if (c >= 'A' && c <= 'Z')
        return static_cast<unsigned>(c - 'A');
    if (c >= 'a' && c <= 'z')
        return static_cast<unsigned>(c - 'a') + 26;
    if (c >= '0' && c <= '9')
        return static_cast<unsigned>(c - '0') + 52;
    return c == '-' ? 62 : 63;
}

} // namespace

std::string mintToken(RandomSource& random)
{
    unsigned char bytes[32];
    random.fill(bytes, sizeof bytes);
    return base64Url(bytes);
}

std::string mintStateToken(RandomSource& random, std::int64_t unixMillis)
{
    unsigned char bytes[32];
    const auto millis = static_cast<std::uint64_t>(unixMillis);
    for (int i = 0; i < 6; ++i)
        bytes[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
    random.fill(bytes + 6, sizeof bytes - 6);
    return base64Url(bytes);
}

std::string stateKey(const std::string& token)
{
    // The first 8 characters carry exactly the first 6 bytes (48 bits):
    // written as 12 hex digits, keys sort as the minting times do.
    static const char kHex[] = "0123456789abcdef";
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8 && i < token.size(); ++i)
        bits = (bits << 6) | base64UrlValue(token[i]);
    std::string key;
    key.reserve(12 + 64);
    for (int shift = 44; shift >= 0; shift -= 4)
        key += kHex[(bits >> shift) & 0xF];
    return key + sha256Hex(token);
}

std::string legacyStateKey(const std::string& token)
{
    return sha256Hex(token);
}

bool looksLikeToken(const std::string& text)
{
    if (text.size() != 43)
        return false;
    for (char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace si
