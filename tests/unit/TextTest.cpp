#include <boost/test/unit_test.hpp>

#include "core/Text.h"

BOOST_AUTO_TEST_SUITE(TextTest)

BOOST_AUTO_TEST_CASE(utf8_validation)
{
    BOOST_TEST(si::isValidUtf8(""));
    BOOST_TEST(si::isValidUtf8("plain"));
    BOOST_TEST(si::isValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
    BOOST_TEST(!si::isValidUtf8("\xc0\x80"));         // overlong NUL
    BOOST_TEST(!si::isValidUtf8("\xe0\x80\xaf"));     // overlong
    BOOST_TEST(!si::isValidUtf8("\xed\xa0\x80"));     // surrogate
    BOOST_TEST(!si::isValidUtf8("\xf4\x90\x80\x80")); // above U+10FFFF
    BOOST_TEST(!si::isValidUtf8("\xe2\x82"));         // truncated
    BOOST_TEST(!si::isValidUtf8("\x80"));             // lone continuation
    BOOST_TEST(!si::isValidUtf8("\xf8\x88\x80\x80\x80"));
}

BOOST_AUTO_TEST_CASE(utf8_prefix_never_ends_inside_a_character)
{
    const std::string text = "ab\u00e9\u20ac"; // a b é(2 bytes) €(3 bytes): 7 bytes
    BOOST_TEST(si::utf8PrefixLength(text, 10) == 7u);
    BOOST_TEST(si::utf8PrefixLength(text, 7) == 7u);
    BOOST_TEST(si::utf8PrefixLength(text, 6) == 4u); // inside €: before it
    BOOST_TEST(si::utf8PrefixLength(text, 5) == 4u);
    BOOST_TEST(si::utf8PrefixLength(text, 4) == 4u);
    BOOST_TEST(si::utf8PrefixLength(text, 3) == 2u); // inside é: before it
    BOOST_TEST(si::utf8PrefixLength(text, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(log_safe_escapes_and_truncates)
{
    BOOST_TEST(si::logSafe("a\nb\\c") == "a\\x0ab\\x5cc");
    BOOST_TEST(si::logSafe(std::string(100, 'x'), 10) == std::string(10, 'x') + "…");
    BOOST_TEST(si::logSafe("\xc3\xa9") == "\\xc3\\xa9");
}

BOOST_AUTO_TEST_CASE(percent_encode_keeps_only_unreserved)
{
    BOOST_TEST(si::percentEncode("aZ09-._~") == "aZ09-._~");
    BOOST_TEST(si::percentEncode("https://x.test/cb?a=1&b") == "https%3A%2F%2Fx.test%2Fcb%3Fa%3D1%26b");
    BOOST_TEST(si::percentEncode(" +\xc3\xa9") == "%20%2B%C3%A9");
}

BOOST_AUTO_TEST_CASE(comma_lists)
{
    BOOST_TEST(si::splitCommaList(" a, b,,c ,") == (std::vector<std::string>{"a", "b", "c"}),
               boost::test_tools::per_element());
    BOOST_TEST(si::splitCommaList("").empty());
}

BOOST_AUTO_TEST_CASE(loopback_hosts)
{
    for (const char* host : {"localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"})
        BOOST_TEST(si::isLoopbackHost(host), host);
    for (const char* host : {"127.evil.example", "127.0.0.1.nip.io", "0.0.0.0", "10.0.0.1", "example.com", "", "localhost.evil"})
        BOOST_TEST(!si::isLoopbackHost(host), host);
}

BOOST_AUTO_TEST_CASE(decimal_digits)
{
    BOOST_TEST(*si::parseDecimalDigits("0") == 0);
    BOOST_TEST(*si::parseDecimalDigits("1764395301") == 1764395301);
    BOOST_TEST(*si::parseDecimalDigits("999999999999999999") == 999999999999999999LL);
    BOOST_TEST(!si::parseDecimalDigits("1000000000000000000").has_value()); // 19 digits
    BOOST_TEST(!si::parseDecimalDigits("").has_value());
    BOOST_TEST(!si::parseDecimalDigits("12a").has_value());
    BOOST_TEST(!si::parseDecimalDigits("-1").has_value());
    BOOST_TEST(!si::parseDecimalDigits("123", 2).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
