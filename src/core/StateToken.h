#pragma once
#include <cstddef>
#include <string>

namespace si {

/// Where unguessable bytes come from; injected so tests can fix them.
class RandomSource {
public:
    virtual ~RandomSource() = default;
    /// Fills `size` bytes; throws std::runtime_error if the OS cannot.
    virtual void fill(unsigned char* bytes, std::size_t size) = 0;
};

/// The operating system's CSPRNG (getrandom(2)).
class SystemRandom : public RandomSource {
public:
    void fill(unsigned char* bytes, std::size_t size) override;
};

/// A fresh 256-bit token, base64url without padding (43 characters): safe in
/// URLs and cookies as it is. Used for states and browser bindings.
std::string mintToken(RandomSource& random);

/// True when `text` has the shape mintToken produces (43 base64url chars);
/// anything else is refused before it reaches the database.
bool looksLikeToken(const std::string& text);

} // namespace si
