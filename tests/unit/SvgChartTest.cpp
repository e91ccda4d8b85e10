#include <boost/test/unit_test.hpp>

#include <sstream>

#include <Poco/Base64Decoder.h>

#include "web/SvgChart.h"

namespace {

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

si::DailyCountsChart sample()
{
    si::DailyCountsChart chart;
    chart.title = "Installs per day";
    chart.description = "Page views and installs for the last 3 days";
    chart.days = {"11-26", "11-27", "11-28"};
    chart.series = {{"views", {10, 40, 25}, ""}, {"installs", {1, 3, 2}, "#0a7e3e"}};
    return chart;
}

} // namespace

BOOST_AUTO_TEST_SUITE(SvgChartTest)

BOOST_AUTO_TEST_CASE(is_an_accessible_standalone_image)
{
    const std::string svg = si::renderDailyBarChart(sample());
    BOOST_TEST(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"", 0) == 0u);
    BOOST_TEST(svg.find("aria-labelledby=\"chart-title chart-desc\"") != std::string::npos);
    BOOST_TEST(svg.find("<title id=\"chart-title\">Installs per day</title>") != std::string::npos);
    BOOST_TEST(svg.find("<desc id=\"chart-desc\">Page views and installs for the last 3 days</desc>") !=
               std::string::npos);
    BOOST_TEST(svg.find("</svg>") != std::string::npos);
    BOOST_TEST(svg.find("<script") == std::string::npos);
    BOOST_TEST(svg.find("style=") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(draws_one_bar_per_day_and_series_with_labels)
{
    const std::string svg = si::renderDailyBarChart(sample());
    BOOST_TEST(count(svg, "<rect ") == 1u + 2u + 6u); // background, legend keys, bars
    BOOST_TEST(svg.find("<title>11-27, views: 40</title>") != std::string::npos);
    BOOST_TEST(svg.find(">11-26</text>") != std::string::npos);
    BOOST_TEST(svg.find(">11-28</text>") != std::string::npos);
    BOOST_TEST(svg.find(">views</text>") != std::string::npos);
    BOOST_TEST(svg.find(">50</text>") != std::string::npos); // the scale rounds 40 up to 50
    BOOST_TEST(svg.find("fill=\"#0a7e3e\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_tallest_bar_is_in_proportion_to_the_scale)
{
    si::DailyCountsChart chart;
    chart.days = {"d"};
    chart.series = {{"s", {50}, ""}};
    // 640 × 260 with 36 above and 32 below the plot: 192 high; 50 of a scale of 50 fills it.
    const std::string svg = si::renderDailyBarChart(chart);
    BOOST_TEST(svg.find("y=\"36\" width=") != std::string::npos);
    BOOST_TEST(svg.find("height=\"192\" fill=") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(all_text_is_escaped)
{
    si::DailyCountsChart chart;
    chart.title = "<script>alert(1)</script>";
    chart.description = "a & b \"c\"";
    chart.days = {"<d>"};
    chart.series = {{"</text><script>", {1}, "red\" onload=\"x"}};
    const std::string svg = si::renderDailyBarChart(chart);
    BOOST_TEST(svg.find("<script") == std::string::npos);
    BOOST_TEST(svg.find("onload") == std::string::npos);
    BOOST_TEST(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    BOOST_TEST(svg.find("a &amp; b &quot;c&quot;") != std::string::npos);
    BOOST_TEST(svg.find(">&lt;d&gt;</text>") != std::string::npos);
    BOOST_TEST(svg.find("fill=\"#635bff\"") != std::string::npos); // the bad colour fell back to the palette
}

BOOST_AUTO_TEST_CASE(no_data_says_so)
{
    si::DailyCountsChart chart;
    chart.title = "Empty";
    const std::string svg = si::renderDailyBarChart(chart);
    BOOST_TEST(svg.find(">No data yet</text>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(long_ranges_label_at_most_eight_days_including_the_latest)
{
    si::DailyCountsChart chart;
    for (int d = 1; d <= 30; ++d)
        chart.days.push_back("day" + std::to_string(d));
    chart.series = {{"s", std::vector<std::int64_t>(30, 1), ""}};
    const std::string svg = si::renderDailyBarChart(chart);
    BOOST_TEST(count(svg, "\">day") <= 8u);
    BOOST_TEST(svg.find(">day30</text>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nice_ceilings)
{
    BOOST_TEST(si::niceCeiling(0) == 1);
    BOOST_TEST(si::niceCeiling(1) == 1);
    BOOST_TEST(si::niceCeiling(3) == 5);
    BOOST_TEST(si::niceCeiling(7) == 10);
    BOOST_TEST(si::niceCeiling(10) == 10);
    BOOST_TEST(si::niceCeiling(11) == 20);
    BOOST_TEST(si::niceCeiling(40) == 50);
    BOOST_TEST(si::niceCeiling(501) == 1000);
}

BOOST_AUTO_TEST_CASE(data_uri_round_trips)
{
    const std::string svg = si::renderDailyBarChart(sample());
    const std::string uri = si::svgDataUri(svg);
    const std::string prefix = "data:image/svg+xml;base64,";
    BOOST_TEST(uri.rfind(prefix, 0) == 0u);
    BOOST_TEST(uri.find('\n') == std::string::npos);
    std::istringstream in(uri.substr(prefix.size()));
    Poco::Base64Decoder decoder(in);
    const std::string decoded{std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>()};
    BOOST_TEST(decoded == svg);
}

BOOST_AUTO_TEST_SUITE_END()
