#include "core/StateToken.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <Poco/Base64Encoder.h>

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

std::string mintToken(RandomSource& random)
{
    unsigned char bytes[32];
    random.fill(bytes, sizeof bytes);
    std::ostringstream out;
    {
        Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
        encoder.rdbuf()->setLineLength(0);
        encoder.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
        encoder.close();
    }
    return out.str();
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
