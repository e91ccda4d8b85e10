#include "core/HmacSha256.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

namespace si {
namespace {

// Poco 1.11's HMACEngine needs BLOCK_SIZE and DIGEST_SIZE, which SHA2Engine
// lacks; this subclass supplies them for SHA-256 (checked against RFC 4231).
class Sha256Engine : public Poco::SHA2Engine {
public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

} // namespace

std::string hmacSha256Hex(std::string_view key, std::string_view message)
{
    Poco::HMACEngine<Sha256Engine> hmac{std::string(key)};
    hmac.update(message.data(), static_cast<unsigned>(message.size()));
    return Poco::DigestEngine::digestToHex(hmac.digest());
}

std::string sha256Hex(std::string_view data)
{
    Sha256Engine engine;
    engine.update(data.data(), static_cast<unsigned>(data.size()));
    return Poco::DigestEngine::digestToHex(engine.digest());
}

bool constantTimeEquals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace si
