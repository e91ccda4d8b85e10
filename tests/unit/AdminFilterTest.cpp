#include <boost/test/unit_test.hpp>

#include "http/AdminFilter.h"

using namespace si;

BOOST_AUTO_TEST_SUITE(AdminFilterTest)

BOOST_AUTO_TEST_CASE(admin_filter_reads_known_values_only)
{
    const auto parsed = QueryString::parse("q=+acct_1+&status=revoked&mode=bogus&days=30");
    BOOST_TEST_REQUIRE(parsed.ok());
    const AdminFilter filter = readAdminFilter(parsed.query);
    BOOST_TEST(filter.q == "acct_1");
    BOOST_TEST(filter.status == "revoked");
    BOOST_TEST(filter.mode == "all");
    BOOST_TEST(filter.days == 30);
    BOOST_TEST(adminFilterQuery(filter) == "?q=acct_1&status=revoked");
    BOOST_TEST(readAdminFilter(QueryString::parse("days=8").query).days == kDefaultAdminPeriod);
    BOOST_TEST(adminFilterQuery(AdminFilter{}) == "");
    AdminFilter hostile;
    hostile.q = "a&b=<c>";
    BOOST_TEST(adminFilterQuery(hostile) == "?q=a%26b%3D%3Cc%3E");
    // A long search is cut at 200 bytes, never inside a UTF-8 character.
    std::string longSearch = "q=" + std::string(199, 'a') + "%C3%A9";
    BOOST_TEST(readAdminFilter(QueryString::parse(longSearch).query).q == std::string(199, 'a'));
}

BOOST_AUTO_TEST_SUITE_END()
