#include <boost/test/unit_test.hpp>

#include "http/FunnelPanel.h"

using namespace si;

namespace {

const TemplateEntry& entry(const TemplateValues& values, const std::string& key)
{
    return values.entries().at(key);
}

std::string text(const TemplateValues& values, const std::string& key) { return entry(values, key).text; }

} // namespace

BOOST_AUTO_TEST_SUITE(FunnelPanelTest)

BOOST_AUTO_TEST_CASE(one_row_per_day_with_zeros_and_sums)
{
    const std::vector<std::string> days = {"2026-11-27", "2026-11-28"};
    const std::vector<FunnelCount> counts = {
        {"2026-11-28", "page_view", "", 4},
        {"2026-11-28", "failed", "bad_signature", 1},
        {"2026-11-28", "failed", "state_expired", 2},
        {"2026-11-28", "failed", "", 1},
        {"2026-11-28", "installed", "", 1},
        {"2026-11-26", "page_view", "", 9},  // before the period: left out
        {"2026-11-28", "future_metric", "", 5}, // unknown: left out
    };
    TemplateValues values;
    addFunnelPanel(values, days, counts);
    const auto& rows = entry(values, "funnel_days").list;
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(text(rows[0], "day") == "2026-11-27");
    BOOST_TEST(text(rows[0], "views") == "0");
    BOOST_TEST(text(rows[1], "views") == "4");
    BOOST_TEST(text(rows[1], "failures") == "4");
    BOOST_TEST(text(rows[1], "installs") == "1");
    BOOST_TEST(text(rows[1], "revocations") == "0");
    const auto& reasons = entry(values, "failure_reasons").list;
    BOOST_TEST_REQUIRE(reasons.size() == 3u);
    BOOST_TEST(text(reasons[0], "reason") == "state_expired"); // most frequent first
    BOOST_TEST(text(reasons[0], "count") == "2");
    BOOST_TEST(text(reasons[2], "reason") == "unknown");
    BOOST_TEST(entry(values, "has_failure_reasons").flag);
    BOOST_TEST(text(values, "chart_uri").rfind("data:image/svg+xml;base64,", 0) == 0u);
    BOOST_TEST(text(values, "chart_alt").find("last 2 days") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_failures_means_no_reason_list)
{
    TemplateValues values;
    addFunnelPanel(values, {"2026-11-28"}, {});
    BOOST_TEST(!entry(values, "has_failure_reasons").flag);
    BOOST_TEST(entry(values, "funnel_days").list.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
