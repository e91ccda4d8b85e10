#include <boost/test/unit_test.hpp>

#include "core/InstallPayload.h"
#include "core/Json.h"

BOOST_AUTO_TEST_SUITE(InstallPayloadTest)

BOOST_AUTO_TEST_CASE(fields_in_stripes_order)
{
    si::InstallFields fields{std::string("st"), "usr_1", "acct_1"};
    BOOST_TEST(si::installPayloadJson(fields) == R"({"state":"st","user_id":"usr_1","account_id":"acct_1"})");
}

BOOST_AUTO_TEST_CASE(escapes_as_json_stringify)
{
    BOOST_TEST(si::jsonQuote("a\"b\\c") == R"("a\"b\\c")");
    BOOST_TEST(si::jsonQuote("l1\nl2\tx\r\b\f") == R"("l1\nl2\tx\r\b\f")");
    BOOST_TEST(si::jsonQuote(std::string("x\x01y\x1f", 4)) == R"("x\u0001y\u001f")");
    BOOST_TEST(si::jsonQuote(std::string("\0", 1)) == R"("\u0000")");
}

BOOST_AUTO_TEST_CASE(leaves_slash_del_and_non_ascii_as_they_are)
{
    BOOST_TEST(si::jsonQuote("a/b") == "\"a/b\"");
    BOOST_TEST(si::jsonQuote("\x7f") == "\"\x7f\"");
    BOOST_TEST(si::jsonQuote("caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8") == "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8\"");
    BOOST_TEST(si::jsonQuote("<script>&") == "\"<script>&\"");
}

BOOST_AUTO_TEST_CASE(a_state_gives_one_candidate)
{
    si::InstallFields fields{std::string(""), "u", "a"};
    auto candidates = si::installPayloadCandidates(fields);
    BOOST_TEST(candidates.size() == 1u);
    BOOST_TEST(candidates[0] == R"({"state":"","user_id":"u","account_id":"a"})");
}

BOOST_AUTO_TEST_CASE(no_state_gives_the_three_forms_seen_in_the_wild)
{
    si::InstallFields fields{std::nullopt, "u", "a"};
    auto candidates = si::installPayloadCandidates(fields);
    BOOST_REQUIRE(candidates.size() == 3u);
    BOOST_TEST(candidates[0] == R"({"state":null,"user_id":"u","account_id":"a"})");
    BOOST_TEST(candidates[1] == R"({"user_id":"u","account_id":"a"})");
    BOOST_TEST(candidates[2] == R"({"state":"","user_id":"u","account_id":"a"})");
}

BOOST_AUTO_TEST_SUITE_END()
