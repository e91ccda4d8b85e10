// The INI reader: one case per rule of Poco's syntax, then the same texts
// (and tricky variations of them) read by Poco::Util::IniFileConfiguration
// itself, which the reader replaced, must give the same properties.
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Util/IniFileConfiguration.h>

#include "config/IniFile.h"

namespace {

std::string valueOf(const si::IniFile& ini, const std::string& name)
{
    return ini.get(name).value_or("<absent>");
}

} // namespace

BOOST_AUTO_TEST_SUITE(IniFileTest)

BOOST_AUTO_TEST_CASE(sections_keys_and_values_are_trimmed)
{
    const auto ini = si::IniFile::parse("  [ stripe ]  \n\t app_id =  ca_123 \r\n[site]\nlivemode=false");
    BOOST_TEST(valueOf(ini, "stripe.app_id") == "ca_123");
    BOOST_TEST(valueOf(ini, "site.livemode") == "false");
    BOOST_TEST(ini.size() == 2u);
}

BOOST_AUTO_TEST_CASE(semicolon_lines_are_comments_hash_lines_are_not)
{
    const auto ini = si::IniFile::parse("; app_id = no\n   ;x=y\n[stripe]\n# note = kept\napp_id = a ; b\n");
    BOOST_TEST(valueOf(ini, "app_id") == "<absent>");
    BOOST_TEST(valueOf(ini, "stripe.# note") == "kept");
    BOOST_TEST(valueOf(ini, "stripe.app_id") == "a ; b"); // no comments after a value
    BOOST_TEST(ini.size() == 2u);
}

BOOST_AUTO_TEST_CASE(names_ignore_letter_case_and_the_last_value_wins)
{
    const auto ini = si::IniFile::parse("[Stripe]\nApp_ID = first\n[stripe]\napp_id = second\n");
    BOOST_TEST(valueOf(ini, "stripe.app_id") == "second");
    BOOST_TEST(valueOf(ini, "STRIPE.APP_ID") == "second");
    BOOST_TEST(ini.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_line_without_equals_is_a_key_with_an_empty_value)
{
    const auto ini = si::IniFile::parse("[site]\njust words here\nx = a = b\n");
    BOOST_TEST(valueOf(ini, "site.just words here") == "");
    BOOST_TEST(valueOf(ini, "site.x") == "a = b");
}

BOOST_AUTO_TEST_CASE(keys_before_any_section_have_no_prefix)
{
    const auto ini = si::IniFile::parse("top = 1\n[]\nalso = 2\n");
    BOOST_TEST(valueOf(ini, "top") == "1");
    BOOST_TEST(valueOf(ini, "also") == "2"); // an empty section name is no section
}

BOOST_AUTO_TEST_CASE(text_after_a_section_header_is_read_as_a_line)
{
    const auto ini = si::IniFile::parse("[a] k = v\n[b ; c\nm = n\n[d]] e\n");
    BOOST_TEST(valueOf(ini, "a.k") == "v");
    BOOST_TEST(valueOf(ini, "b ; c.m") == "n"); // no ']': the section ends at the line's end
    BOOST_TEST(valueOf(ini, "d.] e") == "");
}

BOOST_AUTO_TEST_CASE(empty_and_blank_texts_set_nothing)
{
    BOOST_TEST(si::IniFile::parse("").size() == 0u);
    BOOST_TEST(si::IniFile::parse(" \n\r\n\t\n").size() == 0u);
    BOOST_TEST(valueOf(si::IniFile::parse("[s]\nk ="), "s.k") == "");
}

BOOST_AUTO_TEST_CASE(reads_every_text_as_poco_does)
{
    const std::vector<std::string> texts = {
        "[stripe]\napp_id = ca_1\napp_secrets = a,b\n[site]\nredirect_uri = https://x.example/cb?a=b\n",
        "  [ stripe ]  \n\t app_id =  ca_123 \r\n[site]\nlivemode=false",
        "; c\n#x = y\n[Stripe]\nAPP_ID=1\n[stripe]\napp_id = 2\nAPP_ID=3\n",
        "no equals\n[s]\n=\n = v\nk==\nk2 = = \n",
        "[a] k = v\n[b ; c\nm = n\n[d]] e\n[]\nz=1\n",
        "[s]\nk = caf\xc3\xa9 \xa0\nK\xc3\x89 = 2\n\v\f[t]\x0bk=\x0c\n",
        "[s]\r\nk = v\r\n\r\n;comment\r\n[t]\r\nk=w",
        "[s]\nk = \"quoted\" \nempty =\n[s.sub]\nk = dotted\n",
    };
    const std::vector<std::string> names = {
        "stripe.app_id", "stripe.app_secrets", "site.redirect_uri", "site.livemode", "#x", "stripe.APP_ID",
        "no equals", "s.", "s", "s.k", "s.k2", "a.k", "b ; c.m", "d.] e", "z", "s.k\xc3\x89", "s.K\xc3\x89",
        "t.k", "s.empty", "s.sub.k", "s.\"quoted\"", "k",
    };
    for (const std::string& text : texts) {
        std::istringstream stream(text);
        Poco::AutoPtr<Poco::Util::IniFileConfiguration> poco(new Poco::Util::IniFileConfiguration(stream));
        const auto ours = si::IniFile::parse(text);
        for (const std::string& name : names) {
            const std::string expected = poco->hasProperty(name) ? poco->getRawString(name) : "<absent>";
            BOOST_TEST(valueOf(ours, name) == expected, "text " << text << " name " << name);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
