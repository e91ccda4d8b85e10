#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "core/Stores.h"
#include "http/InstallCsv.h"

namespace si::cli {

enum class OutputFormat { Table, Json, Csv };

/// "table", "json" or "csv"; throws UsageError otherwise.
OutputFormat parseOutputFormat(const std::string& text);

/// Writes installs in the chosen format (CSV through writeInstallsCsv,
/// the one CSV writer). The JSON (an array of objects with
/// account_id, livemode, status, user_id, ref, source, installed_at,
/// updated_at, revoked_at, revoked_by, revoke_event_id; times as RFC 3339
/// UTC strings or null) is stable: keys are only ever added.
void printInstalls(std::ostream& out, const std::vector<Install>& installs, OutputFormat format);

/// Unix seconds as "2026-11-28T18:00:00Z" (the CSV writer's, for the CLI).
using si::rfc3339;

} // namespace si::cli
