#include <boost/test/unit_test.hpp>

#include "core/HmacSha256.h"

BOOST_AUTO_TEST_SUITE(HmacSha256Test)

// RFC 4231 test case 1.
BOOST_AUTO_TEST_CASE(rfc4231_case_1)
{
    const std::string key(20, '\x0b');
    BOOST_TEST(si::hmacSha256Hex(key, "Hi There") ==
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// RFC 4231 test case 2: a key shorter than the block.
BOOST_AUTO_TEST_CASE(rfc4231_case_2)
{
    BOOST_TEST(si::hmacSha256Hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 test case 6: a key longer than the block is hashed first.
BOOST_AUTO_TEST_CASE(rfc4231_case_6_long_key)
{
    const std::string key(131, '\xaa');
    BOOST_TEST(si::hmacSha256Hex(key, "Test Using Larger Than Block-Size Key - Hash Key First") ==
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

BOOST_AUTO_TEST_CASE(sha256_of_abc)
{
    BOOST_TEST(si::sha256Hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(constant_time_equals)
{
    BOOST_TEST(si::constantTimeEquals("abc", "abc"));
    BOOST_TEST(!si::constantTimeEquals("abc", "abd"));
    BOOST_TEST(!si::constantTimeEquals("abc", "abcd"));
    BOOST_TEST(si::constantTimeEquals("", ""));
}

BOOST_AUTO_TEST_SUITE_END()
