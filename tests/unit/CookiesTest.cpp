#include <boost/test/unit_test.hpp>

#include "core/Cookies.h"

BOOST_AUTO_TEST_SUITE(CookiesTest)

BOOST_AUTO_TEST_CASE(finds_a_cookie_among_others)
{
    BOOST_TEST(*si::findCookie("a=1; b=2;c=3", "b") == "2");
    BOOST_TEST(*si::findCookie("a=1; b=2;c=3", "c") == "3");
    BOOST_TEST(!si::findCookie("a=1; b=2", "bb").has_value());
    BOOST_TEST(!si::findCookie("", "a").has_value());
}

BOOST_AUTO_TEST_CASE(first_of_duplicates_wins_and_quotes_are_removed)
{
    BOOST_TEST(*si::findCookie("x=first; x=second", "x") == "first");
    BOOST_TEST(*si::findCookie("x=\"quoted\"", "x") == "quoted");
}

BOOST_AUTO_TEST_CASE(tolerates_junk)
{
    BOOST_TEST(*si::findCookie(";;novalue; =x; y = 5 ;", "y") == "5");
    BOOST_TEST(!si::findCookie("novalue", "novalue").has_value());
}

BOOST_AUTO_TEST_CASE(set_cookie_attributes)
{
    si::CookieAttributes attributes;
    attributes.path = "/stripe/";
    attributes.maxAgeSeconds = 600;
    BOOST_TEST(si::formatSetCookie("b", "v", attributes) == "b=v; Path=/stripe/; Max-Age=600; HttpOnly; SameSite=Lax");
    attributes.secure = true;
    attributes.maxAgeSeconds = 0;
    BOOST_TEST(si::formatSetCookie("b", "v", attributes) == "b=v; Path=/stripe/; HttpOnly; SameSite=Lax; Secure");
}

BOOST_AUTO_TEST_SUITE_END()
