#include "http/InstallCsv.h"

#include <ctime>

namespace si {

const char* const kInstallCsvHeader =
    "account_id,livemode,status,user_id,ref,source,installed_at,updated_at,revoked_at,revoked_by,revoke_event_id";

namespace {

std::string status(const Install& install) { return install.active() ? "active" : "revoked"; }

std::string optionalTime(const std::optional<std::int64_t>& t) { return t ? rfc3339(*t) : ""; }

} // namespace

std::string csvField(const std::string& text)
{
    // Quote always; a leading = + - @ would be a formula in a spreadsheet.
    std::string out = "\"";
    if (!text.empty() && std::string("=+-@\t\r").find(text.front()) != std::string::npos)
        out += '\'';
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string rfc3339(std::int64_t unixSeconds)
{
    const std::time_t t = static_cast<std::time_t>(unixSeconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

void writeInstallsCsv(std::ostream& out, const std::vector<Install>& installs)
{
    out << kInstallCsvHeader << "\r\n";
    for (const Install& i : installs)
        out << csvField(i.accountId) << "," << (i.livemode ? "live" : "test") << "," << status(i) << ","
            << csvField(i.userId) << "," << csvField(i.ref) << "," << csvField(i.source) << ","
            << rfc3339(i.installedAt) << "," << rfc3339(i.updatedAt) << "," << optionalTime(i.revokedAt) << ","
            << csvField(i.revokedBy) << "," << csvField(i.revokeEventId) << "\r\n";
}

} // namespace si
