// The success page's account-name lookup when the network module cannot be
// loaded at first, then can: it tries again once retryAfter has passed, so
// installing the module needs no restart. (The name itself, from a real
// answer, is checked by test_stripe_api.py through the program.)
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>

#include "../ScopedModuleDir.h"
#include "stripe/AccountName.h"

namespace {

using ModuleDir = si::testing::ScopedModuleDir;

/// A configuration whose API calls are refused at once (nothing listens on
/// 127.0.0.1:1): a made client shows up as account_name_unavailable.
si::AppConfig refusingApi()
{
    si::AppConfig config;
    config.apiKey = "sk_test_AccountNameRetry";
    config.apiBase = "http://127.0.0.1:1";
    return config;
}

std::size_t count(const std::string& text, const std::string& part)
{
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

const std::string kAccount = "acct_1RetryAfter0000";

} // namespace

BOOST_AUTO_TEST_SUITE(AccountNameTest)

// One case: the network module, once loaded, stays loaded for the process.
BOOST_AUTO_TEST_CASE(a_missing_module_is_tried_again_after_retry_after)
{
    const std::string empty = (std::filesystem::temp_directory_path() / "si-no-module-here").string();
    std::filesystem::create_directories(empty);
    ModuleDir dir(empty);
    std::ostringstream lines;
    si::Logger log(lines);
    const si::AccountNameLookup patient = si::makeAccountNameLookup(refusingApi(), log, 500, std::chrono::hours(1));
    const si::AccountNameLookup eager = si::makeAccountNameLookup(refusingApi(), log, 500, std::chrono::seconds(0));

    BOOST_TEST(!patient(kAccount).has_value());
    BOOST_TEST(!eager(kAccount).has_value());
    BOOST_TEST(count(lines.str(), "account_name_disabled") == 2u, lines.str());
    BOOST_TEST(lines.str().find("stripe-install-net.so") != std::string::npos, lines.str());

    dir.set(SI_NET_MODULE_DIR); // the module is installed now
    lines.str("");
    BOOST_TEST(!patient(kAccount).has_value()); // still within its hour: no new try
    BOOST_TEST(lines.str().empty(), lines.str());
    BOOST_TEST(!eager(kAccount).has_value()); // tries again: a client, whose call is refused
    BOOST_TEST(count(lines.str(), "account_name_disabled") == 0u, lines.str());
    BOOST_TEST(count(lines.str(), "account_name_unavailable") == 1u, lines.str());
    std::filesystem::remove_all(empty);
}

BOOST_AUTO_TEST_SUITE_END()
