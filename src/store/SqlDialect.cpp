#include "store/SqlDialect.h"

#include "core/StoreError.h"
#include "store/PostgresModule.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>

namespace si {
namespace {

bool startsWithNoCase(const std::string& text, std::size_t at, const std::string& prefix)
{
    if (text.size() - at < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[at + i])) != prefix[i])
            return false;
    return true;
}

bool isUri(const std::string& connection)
{
    return startsWithNoCase(connection, 0, "postgresql://") || startsWithNoCase(connection, 0, "postgres://");
}

} // namespace

SqlDialect SqlDialect::forConnector(const std::string& connector)
{
    const std::string lower = Poco::toLower(connector);
    if (lower == "sqlite")
        return SqlDialect(Kind::Sqlite);
    if (lower == "postgresql" || lower == "postgres")
        return SqlDialect(Kind::Postgres);
    throw StoreError("unsupported database connector \"" + connector +
                     "\": this build supports \"sqlite\" and \"postgresql\" ([database] connector)");
}

std::string SqlDialect::sql(const std::string& portable) const
{
    // Called for every statement a request runs: SQLite's text is the
    // portable text unless it names a type.
    if (!isPostgres() && portable.find('{') == std::string::npos)
        return portable;
    std::string out;
    out.reserve(portable.size() + 16);
    int placeholder = 0;
    char quote = 0;
    for (std::size_t i = 0; i < portable.size(); ++i) {
        const char c = portable[i];
        if (quote) {
            out += c;
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out += c;
        } else if (c == '?' && isPostgres()) {
            out += "$" + std::to_string(++placeholder);
        } else if (portable.compare(i, 8, "{serial}") == 0) {
            out += isPostgres() ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
            i += 7;
        } else if (portable.compare(i, 7, "{int64}") == 0) {
            out += isPostgres() ? "BIGINT" : "INTEGER";
            i += 6;
        } else if (portable.compare(i, 15, "{without_rowid}") == 0) {
            // SQLite: the table is the primary key's B-tree (PostgreSQL
            // tables are always a heap beside their key's index).
            out += isPostgres() ? "" : " WITHOUT ROWID";
            i += 14;
        } else {
            out += c;
        }
    }
    return out;
}

std::string SqlDialect::beginWrite() const
{
    return isPostgres() ? "BEGIN" : "BEGIN IMMEDIATE";
}

std::string SqlDialect::serialise(int lock) const
{
    // 0x5349 ("SI") keeps our advisory locks apart from other applications'
    // sharing the database.
    return isPostgres() ? "SELECT 1 FROM pg_advisory_xact_lock(" + std::to_string(0x5349) + ", " +
                              std::to_string(lock) + ")"
                        : std::string();
}

std::string SqlDialect::lockRows() const
{
    return isPostgres() ? " FOR UPDATE" : "";
}

std::vector<std::string> SqlDialect::sessionSetup(int busyTimeoutMs) const
{
    if (isPostgres()) {
        // lock_timeout 0 would mean "wait for ever": the nearest to SQLite's
        // "fail at once" is 1 ms.
        // Notices ("relation already exists, skipping") would go to stderr,
        // which is the web server's error log.
        return {"SET lock_timeout = " + std::to_string(std::max(busyTimeoutMs, 1)),
                "SET client_min_messages = warning"};
    }
    return {};
}

std::string SqlDialect::displayName(const std::string& connection) const
{
    return isPostgres() ? redactConnectionString(connection) : connection;
}

std::string SqlDialect::connectorString(const std::string& connection, const std::string& password) const
{
    if (!isPostgres())
        return connection;
    const std::string shown = redactConnectionString(connection);
    std::vector<std::pair<std::string, std::string>> options;
    std::string why;
    if (!postgres::parseConninfo(connection, options, why)) {
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        throw StoreError("the PostgreSQL connection string cannot be read (" + why +
                         "): set [database] connection to a libpq conninfo, e.g. host=db.internal dbname=installs"
                         " user=installs: " + shown);
    }
    std::string out;
    std::string problem;
    for (const auto& [key, val] : options) {
        const std::string value = key == "password" && !password.empty() ? password : val;
        if (value.find_first_of(" \t\n\r'\\") != std::string::npos && problem.empty())
            problem = key == "password" ? "the password holds a space, a quote or a backslash, which Poco's"
                                          " PostgreSQL connector cannot pass on: use PGPASSWORD or ~/.pgpass"
                                        : "the value of " + key + " holds a space, a quote or a backslash, which"
                                          " Poco's PostgreSQL connector cannot pass on";
        out += (out.empty() ? "" : " ") + key + "=" + value;
    }
    if (!password.empty() && out.find("password=") == std::string::npos) {
        if (password.find_first_of(" \t\n\r'\\") != std::string::npos && problem.empty())
            problem = "the password from [database] password_file holds a space, a quote or a backslash, which"
                      " Poco's PostgreSQL connector cannot pass on: use PGPASSWORD or ~/.pgpass";
        out += (out.empty() ? "" : " ") + std::string("password=") + password;
    }
    if (!problem.empty())
        throw StoreError(problem + ": " + shown);
    return out;
}

bool SqlDialect::isLockTimeout(const std::string& cause) const
{
    if (isPostgres())
        return cause.find("lock timeout") != std::string::npos || cause.find("55P03") != std::string::npos;
    return cause.find("database is locked") != std::string::npos;
}

std::string redactConnectionString(const std::string& connection)
{
    std::string out = connection;
    // URI user info: postgresql://user:secret@host → postgresql://user:***@host
    if (isUri(out)) {
        const std::size_t scheme = out.find("://") + 3;
        const std::size_t end = std::min(out.find_first_of("/?", scheme), out.size());
        const std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
        if (at != std::string::npos && at >= scheme) {
            const std::size_t colon = out.find(':', scheme);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // password=… (key/value form) and ?password=… / &password=… (URI form)
    std::size_t at = 0;
    while ((at = Poco::toLower(out).find("password", at)) != std::string::npos) {
        const bool keyStart = at == 0 || std::isspace(static_cast<unsigned char>(out[at - 1])) ||
                              out[at - 1] == '?' || out[at - 1] == '&';
        std::size_t i = at + 8;
        while (i < out.size() && out[i] == ' ')
            ++i;
        if (!keyStart || i >= out.size() || out[i] != '=') {
            at += 8;
            continue;
        }
        ++i;
        while (i < out.size() && out[i] == ' ')
            ++i;
        std::size_t end = i;
        if (end < out.size() && out[end] == '\'') {
            for (++end; end < out.size() && out[end] != '\''; ++end)
                if (out[end] == '\\')
                    ++end;
            end = std::min(end + 1, out.size());
        } else {
            while (end < out.size() && !std::isspace(static_cast<unsigned char>(out[end])) && out[end] != '&')
                ++end;
        }
        out.replace(i, end - i, "***");
        at = i + 3;
    }
    return out;
}

} // namespace si
