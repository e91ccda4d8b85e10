#include <boost/test/unit_test.hpp>

#include <sstream>

#include "http/InstallCsv.h"

using namespace si;

BOOST_AUTO_TEST_SUITE(InstallCsvTest)

BOOST_AUTO_TEST_CASE(fields_are_quoted_and_formulas_defused)
{
    BOOST_TEST(csvField("") == "\"\"");
    BOOST_TEST(csvField("plain") == "\"plain\"");
    BOOST_TEST(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
    BOOST_TEST(csvField("a,b\r\nc") == "\"a,b\r\nc\"");
    for (const char* formula : {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"}) {
        BOOST_TEST_CONTEXT(formula) { BOOST_TEST(csvField(formula) == "\"'" + std::string(formula) + "\""); }
    }
    BOOST_TEST(csvField("a=1") == "\"a=1\""); // only a leading sign is a formula
}

BOOST_AUTO_TEST_CASE(rfc3339_is_utc)
{
    BOOST_TEST(rfc3339(0) == "1970-01-01T00:00:00Z");
    BOOST_TEST(rfc3339(1795896000) == "2026-11-28T20:00:00Z");
}

BOOST_AUTO_TEST_CASE(writes_header_and_one_row_per_install)
{
    Install active;
    active.accountId = "acct_1";
    active.userId = "usr_1";
    active.livemode = false;
    active.ref = "=cmd|' /C calc'!A0";
    active.source = "callback";
    active.installedAt = 0;
    active.updatedAt = 60;
    Install revoked = active;
    revoked.accountId = "acct_2";
    revoked.livemode = true;
    revoked.ref = "";
    revoked.revokedAt = 120;
    revoked.revokedBy = "admin";

    std::ostringstream out;
    writeInstallsCsv(out, {active, revoked});
    BOOST_TEST(out.str() ==
               std::string(kInstallCsvHeader) + "\r\n" +
                   "\"acct_1\",test,active,\"usr_1\",\"'=cmd|' /C calc'!A0\",\"callback\",1970-01-01T00:00:00Z,"
                   "1970-01-01T00:01:00Z,,\"\",\"\"\r\n"
                   "\"acct_2\",live,revoked,\"usr_1\",\"\",\"callback\",1970-01-01T00:00:00Z,"
                   "1970-01-01T00:01:00Z,1970-01-01T00:02:00Z,\"admin\",\"\"\r\n");

    std::ostringstream empty;
    writeInstallsCsv(empty, {});
    BOOST_TEST(empty.str() == std::string(kInstallCsvHeader) + "\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
