#include <boost/test/unit_test.hpp>

#include "core/InstallLink.h"

BOOST_AUTO_TEST_SUITE(InstallLinkTest)

BOOST_AUTO_TEST_CASE(every_part_is_percent_encoded)
{
    BOOST_TEST(si::buildInstallLink("https://marketplace.stripe.com/apps/install/link/", "com.example.app",
                                    "https://example.com/callback/stripe?x=1", "abc-_DEF") ==
               "https://marketplace.stripe.com/apps/install/link/com.example.app"
               "?redirect_uri=https%3A%2F%2Fexample.com%2Fcallback%2Fstripe%3Fx%3D1&state=abc-_DEF");
}

BOOST_AUTO_TEST_CASE(hostile_app_id_cannot_escape_the_path)
{
    const auto link = si::buildInstallLink("https://m.test/link", "../x?y=1#z", "https://e.test/cb", "s");
    BOOST_TEST(link == "https://m.test/link/..%2Fx%3Fy%3D1%23z?redirect_uri=https%3A%2F%2Fe.test%2Fcb&state=s");
}

BOOST_AUTO_TEST_CASE(append_query_parameter)
{
    BOOST_TEST(si::appendQueryParameter("https://a.test/w", "account_id", "acct_1") == "https://a.test/w?account_id=acct_1");
    BOOST_TEST(si::appendQueryParameter("https://a.test/w?x=1", "k", "v w") == "https://a.test/w?x=1&k=v%20w");
    BOOST_TEST(si::appendQueryParameter("https://a.test/w?", "k", "v") == "https://a.test/w?k=v");
    BOOST_TEST(si::appendQueryParameter("https://a.test/w#top", "k", "v") == "https://a.test/w?k=v#top");
    BOOST_TEST(si::appendQueryParameter("https://a.test/w", "k", "\r\nSet-Cookie: x") ==
               "https://a.test/w?k=%0D%0ASet-Cookie%3A%20x");
}

BOOST_AUTO_TEST_SUITE_END()
