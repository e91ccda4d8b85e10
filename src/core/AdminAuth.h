#pragma once
// The admin page's authentication, pure: PBKDF2-HMAC-SHA256 password
// hashes, stateless signed session tokens, CSRF tokens bound to a session,
// and the login throttle. Time and randomness come in as arguments.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/StateToken.h"

namespace si {

/// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA256: `length` raw bytes derived from
/// `password` and `salt` with `iterations` rounds.
std::string pbkdf2HmacSha256(std::string_view password, std::string_view salt, unsigned iterations,
                             std::size_t length = 32);

/// New hashes use this many rounds (OWASP's 2023 advice for PBKDF2-SHA256).
inline constexpr unsigned kDefaultPasswordIterations = 600000;
/// Hashes with fewer rounds are refused (too cheap to guess offline).
inline constexpr unsigned kMinPasswordIterations = 200000;
/// Hashes with more are refused too (a typo must not make each login take minutes).
inline constexpr unsigned kMaxPasswordIterations = 10000000;

/// A stored password hash: `pbkdf2-sha256$<iterations>$<salt>$<hash>`, salt
/// (16 bytes) and hash (32 bytes) in base64url without padding.
struct PasswordHash {
    unsigned iterations = kDefaultPasswordIterations;
    std::string salt; ///< raw bytes
    std::string hash; ///< raw bytes
};

/// Hashes `password` with a fresh 16-byte salt; returns the stored form.
std::string hashPassword(std::string_view password, RandomSource& random,
                         unsigned iterations = kDefaultPasswordIterations);

/// Reads a stored hash; nullopt (with `problem` saying what is wrong, never
/// quoting the value) when it is not one this program made.
std::optional<PasswordHash> parsePasswordHash(std::string_view stored, std::string* problem = nullptr);

/// True when `password` matches `stored`, compared in constant time. A
/// malformed `stored` never matches.
bool verifyPassword(std::string_view password, std::string_view stored);

/// The key sessions and CSRF tokens are signed with: [admin] session_secret
/// when set, else derived from the password hash (so a new password ends
/// every session).
std::string adminSessionKey(std::string_view sessionSecret, std::string_view passwordHash);

/// A session token, `<expiry>.<nonce>.<hmac hex>`: cookie-safe, valid until
/// `now + ttlSeconds`, signed with `key`.
std::string mintSessionToken(std::string_view key, std::int64_t now, std::int64_t ttlSeconds, RandomSource& random);

enum class SessionCheck { Valid, Malformed, BadSignature, Expired };
std::string toCode(SessionCheck check);

/// Checks a session token's shape, signature (constant time) and expiry.
SessionCheck checkSessionToken(std::string_view key, std::string_view token, std::int64_t now);

/// The CSRF token for forms shown with `binding` (the session token, or for
/// the login form the pre-login cookie): an HMAC, so it needs no storage and
/// is useless with any other session.
std::string csrfToken(std::string_view key, std::string_view binding);
/// True when `submitted` is the CSRF token for `binding` (constant time);
/// false for an empty binding.
bool checkCsrfToken(std::string_view key, std::string_view binding, std::string_view submitted);

/// How hard wrong passwords are slowed down.
struct LoginThrottlePolicy {
    int freeFailures = 5;          ///< failures in the window before any wait
    std::int64_t window = 3600;    ///< failures older than this are forgotten
    std::int64_t baseDelay = 30;   ///< wait after the first failure over the free ones, doubling after each
    std::int64_t maxDelay = 900;   ///< the cap
};

struct LoginThrottleDecision {
    bool allowed = true;
    std::int64_t waitSeconds = 0; ///< when not allowed: how long until the next try
};

/// Whether a login may be tried at `now`, given the times of recent failed
/// logins (any order). Pure: the caller stores the failures (e.g. per
/// client address and overall).
LoginThrottleDecision loginThrottle(const std::vector<std::int64_t>& failureTimes, std::int64_t now,
                                    const LoginThrottlePolicy& policy = {});

} // namespace si
