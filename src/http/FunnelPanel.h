#pragma once
// The admin overview's funnel panel: per-day counts of the install funnel
// as a server-rendered SVG chart (shown through <img src="data:…">) and the
// same numbers as a table, plus the failures by reason. Pure.
#include <string>
#include <vector>

#include "core/Stores.h"
#include "web/TemplateRenderer.h"

namespace si {

/// Sets chart_uri, chart_alt, chart_width, chart_height, funnel_days
/// [{day, views, starts, installs, cancellations, failures, revocations}]
/// (one per entry of `days`, oldest first, zeros where nothing happened),
/// failure_reasons [{reason, count}] (most frequent first; "unknown" for an
/// empty reason) and has_failure_reasons. `days` are "YYYY-MM-DD", oldest
/// first; counts for other days or unknown metrics are left out.
void addFunnelPanel(TemplateValues& values, const std::vector<std::string>& days,
                    const std::vector<FunnelCount>& counts);

} // namespace si
