#include "cli/InstallFormat.h"

#include <algorithm>

#include "cli/Arguments.h"
#include "core/Json.h"
#include "core/Text.h"
#include "http/InstallCsv.h"

namespace si::cli {
namespace {

std::string status(const Install& install) { return install.active() ? "active" : "revoked"; }

} // namespace

OutputFormat parseOutputFormat(const std::string& text)
{
    if (text == "table") return OutputFormat::Table;
    if (text == "json") return OutputFormat::Json;
    if (text == "csv") return OutputFormat::Csv;
    throw UsageError("--format must be table, json or csv");
}

void printInstalls(std::ostream& out, const std::vector<Install>& installs, OutputFormat format)
{
    if (format == OutputFormat::Json) {
        out << "[";
        bool first = true;
        for (const Install& i : installs) {
            out << (first ? "\n" : ",\n") << "  {\"account_id\":" << jsonQuote(i.accountId)
                << ",\"livemode\":" << (i.livemode ? "true" : "false") << ",\"status\":" << jsonQuote(status(i))
                << ",\"user_id\":" << jsonQuote(i.userId) << ",\"ref\":" << jsonQuote(i.ref)
                << ",\"source\":" << jsonQuote(i.source) << ",\"installed_at\":" << jsonQuote(rfc3339(i.installedAt))
                << ",\"updated_at\":" << jsonQuote(rfc3339(i.updatedAt))
                << ",\"revoked_at\":" << (i.revokedAt ? jsonQuote(rfc3339(*i.revokedAt)) : "null")
                << ",\"revoked_by\":" << jsonQuote(i.revokedBy) << ",\"revoke_event_id\":" << jsonQuote(i.revokeEventId)
                << "}";
            first = false;
        }
        out << (installs.empty() ? "]\n" : "\n]\n");
        return;
    }
    if (format == OutputFormat::Csv) {
        writeInstallsCsv(out, installs);
        return;
    }
    // A table for people: printable text only, columns padded.
    const std::vector<std::string> heading = {"ACCOUNT", "MODE", "STATUS", "USER", "INSTALLED", "REVOKED", "REF"};
    std::vector<std::vector<std::string>> rows{heading};
    for (const Install& i : installs)
        rows.push_back({logSafe(i.accountId, 40), i.livemode ? "live" : "test", status(i), logSafe(i.userId, 30),
                        rfc3339(i.installedAt),
                        i.revokedAt ? rfc3339(*i.revokedAt) + " (" + i.revokedBy + ")" : "-", logSafe(i.ref, 40)});
    std::vector<std::size_t> widths(heading.size(), 0);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c)
            out << row[c] << (c + 1 < row.size() ? std::string(widths[c] - row[c].size() + 2, ' ') : "");
        out << "\n";
    }
    if (installs.empty())
        out << "(no installs)\n";
}

} // namespace si::cli
