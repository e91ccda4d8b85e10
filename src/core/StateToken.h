#pragma once
#include <cstddef>
#include <cstdint>
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

/// Up to kMaxBytes bytes from one fill of another source, served in order
/// (then the source again): a first visit's browser token and state cost
/// one getrandom call instead of two. Wiped when done.
class RandomBatch : public RandomSource {
public:
    static constexpr std::size_t kMaxBytes = 64;
    /// Fills min(size, kMaxBytes) bytes from `source` now.
    RandomBatch(RandomSource& source, std::size_t size);
    ~RandomBatch() override;
    RandomBatch(const RandomBatch&) = delete;
    RandomBatch& operator=(const RandomBatch&) = delete;
    void fill(unsigned char* bytes, std::size_t size) override;

private:
    RandomSource& _source;
    unsigned char _bytes[kMaxBytes];
    std::size_t _size;
    std::size_t _used = 0;
};

/// A fresh 256-bit token, base64url without padding (43 characters): safe in
/// URLs and cookies as it is. Used for states and browser bindings.
std::string mintToken(RandomSource& random);

/// A state: shaped like mintToken's (43 base64url characters), but its first
/// 6 bytes are the minting time in milliseconds, big-endian, and only the
/// other 26 (208 bits) are random. States minted one after another thus get
/// neighbouring database keys (stateKey): each insert lands on the index's
/// last page, which is in cache and copied once per checkpoint, instead of
/// on a random page of it. The time is no secret (the page view's moment).
std::string mintStateToken(RandomSource& random, std::int64_t unixMillis);

/// The key a state is stored under: the 12 hex digits of its first 6 bytes
/// (the minting time, for mintStateToken's states) followed by
/// sha256Hex(token), so the database holds no usable state. `token` must
/// pass looksLikeToken.
std::string stateKey(const std::string& token);

/// The key states had before time-ordered keys: sha256Hex(token) alone.
/// Looked up only when stateKey finds nothing, for states minted by an
/// older version and still within their lifetime.
std::string legacyStateKey(const std::string& token);

/// True when `text` has the shape mintToken produces (43 base64url chars);
/// anything else is refused before it reaches the database.
bool looksLikeToken(const std::string& text);

} // namespace si
