#include "store/Schema.h"

#include "core/StoreError.h"

#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>

#include <vector>

using namespace Poco::Data::Keywords;

namespace si {
namespace {

struct Migration {
    int version;
    std::vector<const char*> statements;
};

// Append only: a released migration never changes; a change of schema is a
// new migration with the next number.
const std::vector<Migration>& migrations()
{
    static const std::vector<Migration> all = {
        {1,
         {
             "CREATE TABLE install_states ("
             " token_hash TEXT PRIMARY KEY,"
             " browser_hash TEXT NOT NULL,"
             " ref TEXT NOT NULL DEFAULT '',"
             " created_at INTEGER NOT NULL,"
             " expires_at INTEGER NOT NULL,"
             " consumed_at INTEGER)",
             "CREATE INDEX install_states_expires_at ON install_states(expires_at)",
             "CREATE TABLE installs ("
             " account_id TEXT NOT NULL,"
             " livemode INTEGER NOT NULL,"
             " user_id TEXT NOT NULL DEFAULT '',"
             " ref TEXT NOT NULL DEFAULT '',"
             " installed_at INTEGER NOT NULL,"
             " updated_at INTEGER NOT NULL,"
             " revoked_at INTEGER,"
             " revoked_by TEXT NOT NULL DEFAULT '',"
             " revoke_event_id TEXT NOT NULL DEFAULT '',"
             " source TEXT NOT NULL DEFAULT 'callback',"
             " PRIMARY KEY (account_id, livemode))",
             "CREATE TABLE webhook_events ("
             " event_id TEXT PRIMARY KEY,"
             " type TEXT NOT NULL,"
             " account_id TEXT NOT NULL DEFAULT '',"
             " created INTEGER NOT NULL,"
             " received_at INTEGER NOT NULL,"
             " effect TEXT NOT NULL)",
         }},
    };
    return all;
}

} // namespace

int Schema::latestVersion()
{
    return migrations().back().version;
}

int Schema::currentVersion(Poco::Data::Session& session)
{
    Poco::Nullable<int> version;
    session << "SELECT MAX(version) FROM schema_version", into(version), now;
    return version.isNull() ? 0 : version.value();
}

void Schema::migrate(Poco::Data::Session& session, const std::string& databaseName,
                     std::int64_t appliedAt)
{
    // IMMEDIATE takes the write lock before reading the version: a second
    // process waits (busy timeout) and then sees the finished migration,
    // instead of both reading "0" and both creating the tables.
    session << "BEGIN IMMEDIATE", now;
    try {
        session << "CREATE TABLE IF NOT EXISTS schema_version ("
                   " version INTEGER PRIMARY KEY,"
                   " applied_at INTEGER NOT NULL)",
            now;
        const int current = currentVersion(session);
        if (current > latestVersion()) {
            throw StoreError("the database schema is version " + std::to_string(current) +
                             ", newer than this program knows (version " +
                             std::to_string(latestVersion()) +
                             "): run the newer program, or point this one at another database: " +
                             databaseName);
        }
        Poco::Int64 appliedAtValue = appliedAt;
        for (const Migration& migration : migrations()) {
            if (migration.version <= current)
                continue;
            for (const char* statement : migration.statements)
                session << statement, now;
            int version = migration.version;
            session << "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                use(version), use(appliedAtValue), now;
        }
        session << "COMMIT", now;
    } catch (...) {
        try {
            session << "ROLLBACK", now;
        } catch (...) {
            // SQLite may already have rolled back (e.g. after SQLITE_FULL);
            // the original error is the one worth reporting.
        }
        throw;
    }
}

} // namespace si
