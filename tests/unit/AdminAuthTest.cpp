#include <boost/test/unit_test.hpp>

#include <cstring>

#include "core/AdminAuth.h"

namespace {

class FixedRandom : public si::RandomSource {
public:
    explicit FixedRandom(unsigned char byte) : _byte(byte) {}
    void fill(unsigned char* bytes, std::size_t size) override { std::memset(bytes, _byte, size); }

private:
    unsigned char _byte;
};

std::string hex(const std::string& bytes)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

// Made by Python's hashlib.pbkdf2_hmac (OpenSSL) with the same salt.
const char* const kKnownHash = "pbkdf2-sha256$200000$EREREREREREREREREREREQ$8cl6S9Xd4cqKcIMdMB6zD5r8tGzSp6bNXzrVYb17cEI";
const char* const kKnownPassword = "correct horse battery";

const std::string kKey = si::adminSessionKey("", kKnownHash);

} // namespace

BOOST_AUTO_TEST_SUITE(AdminAuthTest)

// RFC 7914 §11 and the widely used PBKDF2-HMAC-SHA256 vectors (checked with OpenSSL).
BOOST_AUTO_TEST_CASE(pbkdf2_matches_known_answers)
{
    BOOST_TEST(hex(si::pbkdf2HmacSha256("password", "salt", 1)) ==
               "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    BOOST_TEST(hex(si::pbkdf2HmacSha256("password", "salt", 2)) ==
               "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
    BOOST_TEST(hex(si::pbkdf2HmacSha256("password", "salt", 4096)) ==
               "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    BOOST_TEST(hex(si::pbkdf2HmacSha256("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096,
                                        40)) ==
               "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9");
    BOOST_TEST(hex(si::pbkdf2HmacSha256(std::string("pass\0word", 9), std::string("sa\0lt", 5), 4096, 16)) ==
               "89b69d0516f829893c696226650a8687");
    BOOST_TEST(hex(si::pbkdf2HmacSha256("passwd", "salt", 1, 64)) ==
               "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
               "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    BOOST_TEST(hex(si::pbkdf2HmacSha256("Password", "NaCl", 80000, 64)) ==
               "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
               "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

BOOST_AUTO_TEST_CASE(hash_has_the_documented_format)
{
    FixedRandom random(0x11);
    BOOST_TEST(si::hashPassword(kKnownPassword, random, 200000) == kKnownHash);
}

// Each check costs 200,000 rounds: kept to a few.
BOOST_AUTO_TEST_CASE(verify_accepts_the_password_and_nothing_else)
{
    BOOST_TEST(si::verifyPassword(kKnownPassword, kKnownHash));
    BOOST_TEST(!si::verifyPassword("correct horse batterY", kKnownHash));
    BOOST_TEST(!si::verifyPassword(kKnownPassword, ""));
}

BOOST_AUTO_TEST_CASE(malformed_or_weak_hashes_are_refused_with_a_reason)
{
    std::string problem;
    BOOST_TEST(si::parsePasswordHash(kKnownHash).has_value());
    BOOST_TEST(!si::parsePasswordHash(kKnownPassword, &problem));
    BOOST_TEST(problem.find("set-password") != std::string::npos);
    BOOST_TEST(!si::parsePasswordHash("pbkdf2-sha256$1000$EREREREREREREREREREREQ$8cl6S9Xd4cqKcIMdMB6zD5r8tGzSp6bNXzrVYb17cEI", &problem));
    BOOST_TEST(problem.find("200000") != std::string::npos);
    BOOST_TEST(!si::parsePasswordHash("pbkdf2-sha256$200000$ERE$8cl6S9Xd4cqKcIMdMB6zD5r8tGzSp6bNXzrVYb17cEI", &problem));
    BOOST_TEST(problem.find("salt") != std::string::npos);
    BOOST_TEST(!si::parsePasswordHash("pbkdf2-sha256$200000$EREREREREREREREREREREQ$8cl6S9Xd4cqK+IMdMB6zD5r8tGzSp6bNXzrVYb17cEI"));
    BOOST_TEST(!si::parsePasswordHash("pbkdf2-sha1$200000$EREREREREREREREREREREQ$8cl6S9Xd4cqKcIMdMB6zD5r8tGzSp6bNXzrVYb17cEI"));
    BOOST_TEST(!si::parsePasswordHash("pbkdf2-sha256$0200000$EREREREREREREREREREREQ$8cl6S9Xd4cqKcIMdMB6zD5r8tGzSp6bNXzrVYb17cEI"));
    BOOST_TEST(!si::parsePasswordHash(std::string(kKnownHash) + "$"));
}

BOOST_AUTO_TEST_CASE(session_tokens_verify_until_they_expire)
{
    FixedRandom random(0x22);
    const std::string token = si::mintSessionToken(kKey, 1000, 3600, random);
    BOOST_TEST(token.rfind("4600.", 0) == 0u);
    BOOST_TEST((si::checkSessionToken(kKey, token, 1000) == si::SessionCheck::Valid));
    BOOST_TEST((si::checkSessionToken(kKey, token, 4599) == si::SessionCheck::Valid));
    BOOST_TEST((si::checkSessionToken(kKey, token, 4600) == si::SessionCheck::Expired));
}

BOOST_AUTO_TEST_CASE(forged_and_malformed_session_tokens_are_refused)
{
    FixedRandom random(0x22);
    const std::string token = si::mintSessionToken(kKey, 1000, 3600, random);
    // A later expiry with the old signature.
    std::string extended = token;
    extended.replace(0, 4, "9999");
    BOOST_TEST((si::checkSessionToken(kKey, extended, 1000) == si::SessionCheck::BadSignature));
    // Another key (another password, or another session_secret).
    BOOST_TEST((si::checkSessionToken(si::adminSessionKey("s3cret", kKnownHash), token, 1000) ==
                si::SessionCheck::BadSignature));
    BOOST_TEST(si::adminSessionKey("s3cret", kKnownHash) == si::adminSessionKey("s3cret", "another hash"));
    BOOST_TEST(si::adminSessionKey("", kKnownHash) != si::adminSessionKey("", "another hash"));
    // A CSRF token is not a session signature.
    const auto lastDot = token.rfind('.');
    const std::string prefix = token.substr(0, lastDot);
    BOOST_TEST((si::checkSessionToken(kKey, prefix + "." + si::csrfToken(kKey, prefix), 1000) ==
                si::SessionCheck::BadSignature));
    for (const std::string& bad : std::vector<std::string>{"", "x", prefix, token + ".x", "abc." + token.substr(5),
                                  token.substr(0, token.size() - 1), "." + token.substr(5)})
        BOOST_TEST((si::checkSessionToken(kKey, bad, 1000) == si::SessionCheck::Malformed), bad);
    BOOST_TEST(si::toCode(si::SessionCheck::BadSignature) == "bad_signature");
}

BOOST_AUTO_TEST_CASE(csrf_tokens_are_bound_to_their_session)
{
    FixedRandom a(0x22), b(0x33);
    const std::string session = si::mintSessionToken(kKey, 1000, 3600, a);
    const std::string other = si::mintSessionToken(kKey, 1000, 3600, b);
    const std::string token = si::csrfToken(kKey, session);
    BOOST_TEST(si::checkCsrfToken(kKey, session, token));
    BOOST_TEST(!si::checkCsrfToken(kKey, other, token));
    BOOST_TEST(!si::checkCsrfToken(kKey, session, ""));
    BOOST_TEST(!si::checkCsrfToken(kKey, session, token.substr(1)));
    BOOST_TEST(!si::checkCsrfToken(si::adminSessionKey("x", ""), session, token));
    BOOST_TEST(!si::checkCsrfToken(kKey, "", si::csrfToken(kKey, "")));
}

BOOST_AUTO_TEST_CASE(throttle_allows_a_few_failures_then_doubles_the_wait)
{
    const si::LoginThrottlePolicy policy; // 5 free, 30 s doubling to 900 s, over one hour
    std::vector<std::int64_t> failures{100, 110, 120, 130};
    BOOST_TEST(si::loginThrottle(failures, 140, policy).allowed);
    failures.push_back(140);
    auto decision = si::loginThrottle(failures, 141, policy);
    BOOST_TEST(!decision.allowed);
    BOOST_TEST(decision.waitSeconds == 29);
    BOOST_TEST(si::loginThrottle(failures, 170, policy).allowed);
    failures.push_back(170);
    BOOST_TEST(si::loginThrottle(failures, 170, policy).waitSeconds == 60);
    for (int i = 0; i < 10; ++i)
        failures.push_back(200);
    BOOST_TEST(si::loginThrottle(failures, 200, policy).waitSeconds == 900);
}

BOOST_AUTO_TEST_CASE(throttle_forgets_failures_outside_the_window)
{
    const si::LoginThrottlePolicy policy;
    const std::vector<std::int64_t> failures{100, 101, 102, 103, 104, 105, 106};
    BOOST_TEST(!si::loginThrottle(failures, 200, policy).allowed);
    BOOST_TEST(si::loginThrottle(failures, 100 + 3600 + 3, policy).allowed); // only 3 left in the window
    BOOST_TEST(si::loginThrottle({}, 0, policy).allowed);
}

BOOST_AUTO_TEST_SUITE_END()
