#include "web/SvgChart.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <Poco/Base64Encoder.h>

#include "web/TemplateRenderer.h"

namespace si {
namespace {

// The stylesheet's colours: each meets WCAG AA contrast on white.
const char* const kPalette[] = {"#635bff", "#0a7e3e", "#b3093c", "#7a4c00", "#4f566b", "#0570de"};
const char* const kTextColour = "#1a1f36";
const char* const kMutedColour = "#4f566b";
const char* const kGridColour = "#e3e8ee";

bool isHexColour(const std::string& text)
{
    if (text.size() != 7 || text[0] != '#')
        return false;
    return std::all_of(text.begin() + 1, text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

/// One decimal place at most: coordinates stay short and deterministic.
std::string num(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    std::string text(buffer);
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0)
        text.resize(text.size() - 2);
    return text == "-0" ? "0" : text;
}

std::string text(double x, double y, const std::string& anchor, const char* colour, const std::string& content)
{
    return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\" fill=\"" + colour +
           "\">" + htmlEscape(content) + "</text>\n";
}

} // namespace

std::int64_t niceCeiling(std::int64_t value)
{
    if (value <= 1)
        return 1;
    std::int64_t magnitude = 1;
    while (magnitude * 10 < value)
        magnitude *= 10;
    for (std::int64_t step : {1, 2, 5, 10})
        if (step * magnitude >= value)
            return step * magnitude;
    return 10 * magnitude;
}

std::string renderDailyBarChart(const DailyCountsChart& chart, const SvgChartSize& size)
{
    const double width = std::max(size.width, 200), height = std::max(size.height, 120);
    const double left = 48, right = 12, top = 36, bottom = 32;
    const double plotWidth = width - left - right, plotHeight = height - top - bottom;
    const std::size_t days = chart.days.size();

    std::int64_t maxValue = 0;
    for (const auto& series : chart.series)
        for (std::size_t d = 0; d < days && d < series.values.size(); ++d)
            maxValue = std::max(maxValue, series.values[d]);
    const std::int64_t scale = niceCeiling(maxValue);

    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" << num(width) << "\" height=\""
        << num(height) << "\" viewBox=\"0 0 " << num(width) << " " << num(height)
        << "\" aria-labelledby=\"chart-title chart-desc\" font-family=\"sans-serif\" font-size=\"12\">\n"
        << "<title id=\"chart-title\">" << htmlEscape(chart.title) << "</title>\n"
        << "<desc id=\"chart-desc\">" << htmlEscape(chart.description) << "</desc>\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";

    // Legend along the top.
    double legendX = left;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
        const auto& series = chart.series[s];
        const std::string colour = isHexColour(series.colour) ? series.colour : kPalette[s % 6];
        svg << "<rect x=\"" << num(legendX) << "\" y=\"10\" width=\"10\" height=\"10\" fill=\"" << colour << "\"/>\n"
            << text(legendX + 14, 19, "start", kTextColour, series.name);
        legendX += 24 + 7.0 * static_cast<double>(series.name.size());
    }

    // Y scale: 0, half, full, with grid lines.
    for (int i = 0; i <= 2; ++i) {
        const double y = top + plotHeight - plotHeight * i / 2.0;
        const std::int64_t value = scale * i / 2;
        svg << "<line x1=\"" << num(left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(left + plotWidth)
            << "\" y2=\"" << num(y) << "\" stroke=\"" << kGridColour << "\"/>\n"
            << text(left - 6, y + 4, "end", kMutedColour, std::to_string(value));
    }

    if (days == 0 || chart.series.empty()) {
        svg << text(left + plotWidth / 2, top + plotHeight / 2, "middle", kMutedColour, "No data yet");
        svg << "</svg>\n";
        return svg.str();
    }

    const double groupWidth = plotWidth / static_cast<double>(days);
    const double barWidth = groupWidth * 0.8 / static_cast<double>(chart.series.size());
    const std::size_t labelEvery = (days + 7) / 8;
    for (std::size_t d = 0; d < days; ++d) {
        const double groupX = left + groupWidth * static_cast<double>(d) + groupWidth * 0.1;
        for (std::size_t s = 0; s < chart.series.size(); ++s) {
            const auto& series = chart.series[s];
            const std::int64_t value = d < series.values.size() ? std::max<std::int64_t>(series.values[d], 0) : 0;
            const double barHeight = plotHeight * static_cast<double>(value) / static_cast<double>(scale);
            const std::string colour = isHexColour(series.colour) ? series.colour : kPalette[s % 6];
            svg << "<rect x=\"" << num(groupX + barWidth * static_cast<double>(s)) << "\" y=\""
                << num(top + plotHeight - barHeight) << "\" width=\"" << num(std::max(barWidth - 1, 1.0))
                << "\" height=\"" << num(barHeight) << "\" fill=\"" << colour << "\"><title>"
                << htmlEscape(chart.days[d] + ", " + series.name + ": " + std::to_string(value))
                << "</title></rect>\n";
        }
        if ((days - 1 - d) % labelEvery == 0) // the latest day always has its label
            svg << text(left + groupWidth * (static_cast<double>(d) + 0.5), height - 10, "middle", kMutedColour,
                        chart.days[d]);
    }
    svg << "</svg>\n";
    return svg.str();
}

std::string svgDataUri(const std::string& svg)
{
    std::ostringstream out;
    out << "data:image/svg+xml;base64,";
    {
        Poco::Base64Encoder encoder(out);
        encoder.rdbuf()->setLineLength(0);
        encoder << svg;
        encoder.close();
    }
    return out.str();
}

} // namespace si
