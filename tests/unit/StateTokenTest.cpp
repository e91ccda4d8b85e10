#include <boost/test/unit_test.hpp>

#include <cstring>
#include <set>

#include "core/StateToken.h"

namespace {

class FixedRandom : public si::RandomSource {
public:
    explicit FixedRandom(unsigned char byte) : _byte(byte) {}
    void fill(unsigned char* bytes, std::size_t size) override { std::memset(bytes, _byte, size); }

private:
    unsigned char _byte;
};

} // namespace

BOOST_AUTO_TEST_SUITE(StateTokenTest)

BOOST_AUTO_TEST_CASE(is_base64url_of_32_bytes_without_padding)
{
    FixedRandom ones(0xFF);
    BOOST_TEST(si::mintToken(ones) == std::string(42, '_') + "8");
    FixedRandom zeros(0x00);
    BOOST_TEST(si::mintToken(zeros) == std::string(43, 'A'));
}

BOOST_AUTO_TEST_CASE(system_tokens_are_distinct_and_well_formed)
{
    si::SystemRandom random;
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string token = si::mintToken(random);
        BOOST_TEST(si::looksLikeToken(token), token);
        seen.insert(token);
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(looks_like_token_refuses_other_shapes)
{
    BOOST_TEST(!si::looksLikeToken(""));
    BOOST_TEST(!si::looksLikeToken(std::string(42, 'a')));
    BOOST_TEST(!si::looksLikeToken(std::string(44, 'a')));
    BOOST_TEST(!si::looksLikeToken(std::string(42, 'a') + "="));
    BOOST_TEST(!si::looksLikeToken(std::string(42, 'a') + "+"));
    BOOST_TEST(si::looksLikeToken(std::string(42, 'a') + "-"));
}

BOOST_AUTO_TEST_SUITE_END()
