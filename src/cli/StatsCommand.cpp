// `stripe-install stats`: the install funnel, per UTC day.
#include <algorithm>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "cli/LoadRuntime.h"
#include "core/Json.h"
#include "core/StoreError.h"
#include "store/OpenStore.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install stats [--days N] [--format table|json] [--config FILE]

The install funnel for the last N UTC days (default 30, today included):
how many visitors saw the install page (page_view), followed an install
button (start), came back installed (installed, re-installs included),
cancelled on Stripe (cancelled), failed at the callback (failed, by reason),
and how many installs were revoked (revoked: by webhook or by hand).

--format json prints one object (keys are only ever added):
  {"since":"2026-10-30","until":"2026-11-28",
   "days":[{"day":"2026-10-30","page_view":0,"start":0,"installed":0,
            "cancelled":0,"failed":0,"failed_by_reason":{},"revoked":0}, …],
   "totals":{"page_view":…,"start":…,"installed":…,"cancelled":…,
             "failed":…,"failed_by_reason":{"state_expired":1,…},"revoked":…}}
Every day of the range is listed, oldest first, with zeros where nothing
happened. Metrics this program does not know yet are added as further keys.
)";

const std::vector<std::string> kMetrics = {"page_view", "start", "installed", "cancelled", "failed", "revoked"};

struct Day {
    std::map<std::string, std::int64_t> metrics;          ///< metric → count (failed: all reasons)
    std::map<std::string, std::int64_t> failedByReason;   ///< reason → count
    void add(const FunnelCount& c)
    {
        metrics[c.metric] += c.count;
        if (c.metric == "failed")
            failedByReason[c.reason.empty() ? "unknown" : c.reason] += c.count;
    }
};

std::string reasonsJson(const std::map<std::string, std::int64_t>& reasons)
{
    std::string out = "{";
    for (const auto& [reason, count] : reasons)
        out += (out.size() > 1 ? "," : "") + jsonQuote(reason) + ":" + std::to_string(count);
    return out + "}";
}

std::string dayJson(const Day& day)
{
    std::string out;
    std::map<std::string, std::int64_t> metrics = day.metrics;
    for (const std::string& m : kMetrics)
        metrics.emplace(m, 0);
    for (const std::string& m : kMetrics) {
        out += "," + jsonQuote(m) + ":" + std::to_string(metrics[m]);
        if (m == "failed")
            out += ",\"failed_by_reason\":" + reasonsJson(day.failedByReason);
    }
    for (const auto& [m, count] : metrics)
        if (std::find(kMetrics.begin(), kMetrics.end(), m) == kMetrics.end())
            out += "," + jsonQuote(m) + ":" + std::to_string(count);
    return out;
}

int statsCommand(const std::vector<std::string>& words)
{
    std::optional<std::string> configPath;
    long long days = 30;
    bool json = false;
    try {
        Arguments args(words);
        while (!args.done()) {
            if (args.flag("--help") || args.flag("-h")) {
                std::cout << kHelp;
                return 0;
            }
            if (auto value = args.option("--config"))
                configPath = *value;
            else if (auto value = args.option("--days")) {
                days = parseInteger(*value, "--days");
                if (days < 1 || days > 3660)
                    throw UsageError("--days must be between 1 and 3660");
            } else if (auto value = args.option("--format")) {
                if (*value != "table" && *value != "json")
                    throw UsageError("--format must be table or json");
                json = *value == "json";
            } else
                throw UsageError("unknown argument " + args.peek());
        }
    } catch (const UsageError& e) {
        std::cerr << "stats: " << e.what() << "\n(see stripe-install stats --help)\n";
        return 2;
    }
    auto config = loadConfigOrExplain(configPath, "stats");
    if (!config)
        return 1;
    std::vector<FunnelCount> counts;
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    std::vector<std::string> range;
    for (long long i = days - 1; i >= 0; --i)
        range.push_back(utcDay(now - i * 86400));
    try {
        counts = openStore(*config)->funnel(range.front());
    } catch (const StoreError& e) {
        std::cerr << "stats: database: " << e.what() << "\n";
        return 1;
    }
    std::map<std::string, Day> byDay;
    Day totals;
    for (const FunnelCount& c : counts) {
        byDay[c.day].add(c);
        totals.add(c);
    }
    if (json) {
        std::cout << "{\"since\":" << jsonQuote(range.front()) << ",\"until\":" << jsonQuote(range.back())
                  << ",\"days\":[";
        for (std::size_t i = 0; i < range.size(); ++i)
            std::cout << (i ? ",\n  " : "\n  ") << "{\"day\":" << jsonQuote(range[i]) << dayJson(byDay[range[i]]) << "}";
        std::cout << "\n],\"totals\":{" << dayJson(totals).substr(1) << "}}\n";
        return 0;
    }
    std::cout << std::left << std::setw(12) << "DAY";
    for (const std::string& m : kMetrics)
        std::cout << std::right << std::setw(11) << m;
    std::cout << "\n";
    const auto row = [](const std::string& label, Day& day) {
        std::cout << std::left << std::setw(12) << label;
        for (const std::string& m : kMetrics)
            std::cout << std::right << std::setw(11) << day.metrics[m];
        std::cout << "\n";
    };
    for (const std::string& day : range)
        row(day, byDay[day]);
    row("total", totals);
    if (!totals.failedByReason.empty()) {
        std::cout << "\nfailed, by reason:\n";
        for (const auto& [reason, count] : totals.failedByReason)
            std::cout << "  " << std::left << std::setw(28) << reason << count << "\n";
    }
    return 0;
}

const CommandRegistration registration{"stats", "the install funnel per day (page views, starts, installs, …)",
                                       &statsCommand};

} // namespace
} // namespace si::cli
