#include <boost/test/unit_test.hpp>

#include "core/QueryString.h"

BOOST_AUTO_TEST_SUITE(QueryStringTest)

BOOST_AUTO_TEST_CASE(decodes_percent_and_plus)
{
    auto parsed = si::QueryString::parse("a=x%20y+z&b=%2B%26%3D&c=&d");
    BOOST_REQUIRE(parsed.ok());
    BOOST_TEST(*parsed.query.get("a") == "x y z");
    BOOST_TEST(*parsed.query.get("b") == "+&=");
    BOOST_TEST(*parsed.query.get("c") == "");
    BOOST_TEST(*parsed.query.get("d") == "");
    BOOST_TEST(!parsed.query.get("e").has_value());
}

BOOST_AUTO_TEST_CASE(keeps_order_and_skips_empty_pairs)
{
    auto parsed = si::QueryString::parse("&b=2&&a=1&");
    BOOST_REQUIRE(parsed.ok());
    BOOST_REQUIRE(parsed.query.params().size() == 2u);
    BOOST_TEST(parsed.query.params()[0].first == "b");
    BOOST_TEST(parsed.query.params()[1].first == "a");
}

BOOST_AUTO_TEST_CASE(decodes_utf8_and_control_characters)
{
    auto parsed = si::QueryString::parse("s=caf%C3%A9%01%0A");
    BOOST_REQUIRE(parsed.ok());
    BOOST_TEST(*parsed.query.get("s") == "caf\xc3\xa9\x01\n");
}

BOOST_AUTO_TEST_CASE(rejects_repeated_keys)
{
    auto parsed = si::QueryString::parse("state=a&state=b");
    BOOST_TEST(!parsed.ok());
    BOOST_TEST(parsed.error.find("\"state\" appears more than once") != std::string::npos);
    // Encoded differently, still the same key.
    BOOST_TEST(!si::QueryString::parse("state=a&st%61te=b").ok());
}

BOOST_AUTO_TEST_CASE(rejects_invalid_percent_escapes)
{
    for (const char* bad : {"a=%", "a=%2", "a=%zz", "a=%2g", "%=1", "a=1%"}) {
        auto parsed = si::QueryString::parse(bad);
        BOOST_TEST(!parsed.ok(), bad);
        BOOST_TEST(parsed.error.find("percent-escape") != std::string::npos, bad);
    }
}

BOOST_AUTO_TEST_CASE(rejects_invalid_utf8)
{
    for (const char* bad : {"a=%FF", "a=%C3", "a=%C0%AF", "a=%ED%A0%80", "a=%F4%90%80%80", "%FF=1"}) {
        auto parsed = si::QueryString::parse(bad);
        BOOST_TEST(!parsed.ok(), bad);
        BOOST_TEST(parsed.error.find("UTF-8") != std::string::npos, bad);
    }
}

BOOST_AUTO_TEST_CASE(rejects_nul_bytes)
{
    auto parsed = si::QueryString::parse("ref=a%00b");
    BOOST_TEST(!parsed.ok());
    BOOST_TEST(parsed.error.find("NUL") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(reasons_never_echo_raw_bytes)
{
    auto parsed = si::QueryString::parse("%3Cscript%3E%0A=1&%3Cscript%3E%0A=2");
    BOOST_TEST(!parsed.ok());
    BOOST_TEST(parsed.error.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
