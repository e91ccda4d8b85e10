#include "http/FunnelPanel.h"

#include <algorithm>
#include <array>
#include <map>

#include "web/SvgChart.h"

namespace si {
namespace {

/// The metrics shown, in the table's and the legend's order.
struct Metric {
    const char* metric; ///< as counted (Store::countFunnel)
    const char* key;    ///< the template's column
    const char* label;  ///< the legend
};
const Metric kMetrics[] = {
    {"page_view", "views", "Page views"},   {"start", "starts", "Starts"},
    {"installed", "installs", "Installs"},  {"cancelled", "cancellations", "Cancelled"},
    {"failed", "failures", "Failed"},       {"revoked", "revocations", "Revoked"},
};
constexpr std::size_t kMetricCount = sizeof kMetrics / sizeof kMetrics[0];

} // namespace

void addFunnelPanel(TemplateValues& values, const std::vector<std::string>& days,
                    const std::vector<FunnelCount>& counts)
{
    std::map<std::string, std::array<std::int64_t, kMetricCount>> byDay;
    for (const std::string& day : days)
        byDay[day].fill(0);
    std::map<std::string, std::int64_t> reasons;
    for (const FunnelCount& count : counts) {
        const auto day = byDay.find(count.day);
        if (day == byDay.end())
            continue;
        for (std::size_t m = 0; m < kMetricCount; ++m)
            if (count.metric == kMetrics[m].metric)
                day->second[m] += count.count;
        if (count.metric == "failed")
            reasons[count.reason.empty() ? "unknown" : count.reason] += count.count;
    }

    DailyCountsChart chart;
    chart.title = "Install funnel, last " + std::to_string(days.size()) + " days";
    chart.description = "Page views, starts, installs, cancellations, failures and revocations per UTC day.";
    for (const Metric& metric : kMetrics)
        chart.series.push_back({metric.label, {}, ""});
    for (const std::string& day : days) {
        const auto& row = byDay.at(day);
        chart.days.push_back(day.size() > 5 ? day.substr(5) : day); // "11-28"
        TemplateValues item;
        item.set("day", day);
        for (std::size_t m = 0; m < kMetricCount; ++m) {
            chart.series[m].values.push_back(row[m]);
            item.set(kMetrics[m].key, std::to_string(row[m]));
        }
        values.add("funnel_days", item);
    }
    const SvgChartSize size;
    values.set("chart_uri", svgDataUri(renderDailyBarChart(chart, size)))
        .set("chart_alt", "Bar chart of the install funnel per day for the last " + std::to_string(days.size()) +
                              " days; the same numbers are in the table below.")
        .set("chart_width", std::to_string(size.width))
        .set("chart_height", std::to_string(size.height));

    std::vector<std::pair<std::string, std::int64_t>> sorted(reasons.begin(), reasons.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [reason, count] : sorted)
        values.add("failure_reasons", TemplateValues().set("reason", reason).set("count", std::to_string(count)));
    values.set("has_failure_reasons", !sorted.empty());
}

} // namespace si
