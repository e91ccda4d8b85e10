#pragma once
// A small server-rendered SVG bar chart of daily counts, for the admin
// page's funnel panel. Pure; every piece of text is escaped. Accessible on
// its own (role="img", <title>, <desc>, text labels); when shown through an
// <img>, give the <img> an alt text and the numbers in a table beside it.
#include <cstdint>
#include <string>
#include <vector>

namespace si {

struct ChartSeries {
    std::string name;                 ///< shown in the legend
    std::vector<std::int64_t> values; ///< one per day (missing days count 0; negatives draw as 0)
    std::string colour;               ///< "#rrggbb"; "" (or anything else) = the next palette colour
};

struct DailyCountsChart {
    std::string title;              ///< <title>: what the chart is
    std::string description;        ///< <desc>: what it shows, in words
    std::vector<std::string> days;  ///< x labels, oldest first (e.g. "11-28")
    std::vector<ChartSeries> series;
};

struct SvgChartSize {
    int width = 640;
    int height = 260;
};

/// The chart as a standalone SVG document (grouped bars, one group per day,
/// a legend, a y scale rounded to 1/2/5 × 10^n, at most 8 day labels).
std::string renderDailyBarChart(const DailyCountsChart& chart, const SvgChartSize& size = {});

/// `svg` as a data: URI (base64), for <img src> under CSP `img-src data:`,
/// so the page needs no raw HTML insertion.
std::string svgDataUri(const std::string& svg);

/// The smallest 1, 2 or 5 × 10^n that is ≥ `value` (1 for 0 or less).
std::int64_t niceCeiling(std::int64_t value);

} // namespace si
