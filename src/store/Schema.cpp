#include "store/Schema.h"

#include "core/StoreError.h"
#include "store/SqlConnection.h"
#include "store/SqlDialect.h"

#include <vector>

namespace si {
namespace {

struct Migration {
    int version;
    std::vector<const char*> statements;
    /// Run on SQLite only; on PostgreSQL only the version is recorded.
    bool sqliteOnly = false;
};

// Append only: a released migration never changes; a change of schema is a
// new migration with the next number. Portable SQL: `{int64}` is a Unix time
// (INTEGER on SQLite, BIGINT on PostgreSQL; see SqlDialect::sql).
const std::vector<Migration>& migrations()
{
    static const std::vector<Migration> all = {
        {1,
         {
             "CREATE TABLE install_states ("
             " token_hash TEXT PRIMARY KEY,"
             " browser_hash TEXT NOT NULL,"
             " ref TEXT NOT NULL DEFAULT '',"
             " created_at {int64} NOT NULL,"
             " expires_at {int64} NOT NULL,"
             " consumed_at {int64})",
             "CREATE INDEX install_states_expires_at ON install_states(expires_at)",
             "CREATE TABLE installs ("
             " account_id TEXT NOT NULL,"
             " livemode INTEGER NOT NULL,"
             " user_id TEXT NOT NULL DEFAULT '',"
             " ref TEXT NOT NULL DEFAULT '',"
             " installed_at {int64} NOT NULL,"
             " updated_at {int64} NOT NULL,"
             " revoked_at {int64},"
             " revoked_by TEXT NOT NULL DEFAULT '',"
             " revoke_event_id TEXT NOT NULL DEFAULT '',"
             " source TEXT NOT NULL DEFAULT 'callback',"
             " PRIMARY KEY (account_id, livemode))",
             "CREATE TABLE webhook_events ("
             " event_id TEXT PRIMARY KEY,"
             " type TEXT NOT NULL,"
             " account_id TEXT NOT NULL DEFAULT '',"
             " created {int64} NOT NULL,"
             " received_at {int64} NOT NULL,"
             " effect TEXT NOT NULL)",
         }},
        // The merchant's side (issue 10). `{serial}` is an auto-numbered
        // key (SqlDialect::sql): insertion order, for ties on a time.
        {2,
         {
             "CREATE TABLE notification_outbox ("
             " seq {serial},"
             " id TEXT NOT NULL UNIQUE,"
             " type TEXT NOT NULL,"
             " account_id TEXT NOT NULL,"
             " user_id TEXT NOT NULL DEFAULT '',"
             " livemode INTEGER NOT NULL,"
             " ref TEXT NOT NULL DEFAULT '',"
             " happened_at {int64} NOT NULL,"
             " body TEXT NOT NULL,"
             " status TEXT NOT NULL DEFAULT 'pending',"
             " attempts INTEGER NOT NULL DEFAULT 0,"
             " created_at {int64} NOT NULL,"
             " next_attempt_at {int64} NOT NULL,"
             " lease_until {int64},"
             " delivered_at {int64},"
             " last_error TEXT NOT NULL DEFAULT '')",
             "CREATE INDEX notification_outbox_pending ON notification_outbox(status, account_id, created_at)",
             "CREATE TABLE install_events ("
             " seq {serial},"
             " account_id TEXT NOT NULL,"
             " livemode INTEGER NOT NULL,"
             " change TEXT NOT NULL,"
             " changed_by TEXT NOT NULL,"
             " at {int64} NOT NULL)",
             "CREATE INDEX install_events_account ON install_events(account_id, at)",
             "CREATE TABLE funnel_daily ("
             " day TEXT NOT NULL,"
             " metric TEXT NOT NULL,"
             " reason TEXT NOT NULL DEFAULT '',"
             " count {int64} NOT NULL DEFAULT 0,"
             " PRIMARY KEY (day, metric, reason))",
             "CREATE TABLE admin_login_failures ("
             " client TEXT NOT NULL,"
             " at {int64} NOT NULL)",
             "CREATE INDEX admin_login_failures_client ON admin_login_failures(client, at)",
         }},
        // Tables looked up by a text key kept in the key's own B-tree
        // (WITHOUT ROWID on SQLite): a write changes one B-tree, not a rowid
        // table and a separate key index. install_states is keyed by the
        // time-ordered stateKey, so a page view writes the key's last page
        // and the expiry index's instead of a random page. Rows are copied
        // as they are.
        {3,
         {
             "CREATE TABLE install_states_v3 ("
             " token_hash TEXT PRIMARY KEY,"
             " browser_hash TEXT NOT NULL,"
             " ref TEXT NOT NULL DEFAULT '',"
             " created_at {int64} NOT NULL,"
             " expires_at {int64} NOT NULL,"
             " consumed_at {int64}){without_rowid}",
             "INSERT INTO install_states_v3 (token_hash, browser_hash, ref, created_at, expires_at, consumed_at)"
             " SELECT token_hash, browser_hash, ref, created_at, expires_at, consumed_at FROM install_states",
             "DROP TABLE install_states",
             "ALTER TABLE install_states_v3 RENAME TO install_states",
             "CREATE INDEX install_states_expires_at ON install_states(expires_at)",
             "CREATE TABLE installs_v3 ("
             " account_id TEXT NOT NULL,"
             " livemode INTEGER NOT NULL,"
             " user_id TEXT NOT NULL DEFAULT '',"
             " ref TEXT NOT NULL DEFAULT '',"
             " installed_at {int64} NOT NULL,"
             " updated_at {int64} NOT NULL,"
             " revoked_at {int64},"
             " revoked_by TEXT NOT NULL DEFAULT '',"
             " revoke_event_id TEXT NOT NULL DEFAULT '',"
             " source TEXT NOT NULL DEFAULT 'callback',"
             " PRIMARY KEY (account_id, livemode)){without_rowid}",
             "INSERT INTO installs_v3 (account_id, livemode, user_id, ref, installed_at, updated_at, revoked_at,"
             " revoked_by, revoke_event_id, source)"
             " SELECT account_id, livemode, user_id, ref, installed_at, updated_at, revoked_at, revoked_by,"
             " revoke_event_id, source FROM installs",
             "DROP TABLE installs",
             "ALTER TABLE installs_v3 RENAME TO installs",
             "CREATE TABLE webhook_events_v3 ("
             " event_id TEXT PRIMARY KEY,"
             " type TEXT NOT NULL,"
             " account_id TEXT NOT NULL DEFAULT '',"
             " created {int64} NOT NULL,"
             " received_at {int64} NOT NULL,"
             " effect TEXT NOT NULL){without_rowid}",
             "INSERT INTO webhook_events_v3 (event_id, type, account_id, created, received_at, effect)"
             " SELECT event_id, type, account_id, created, received_at, effect FROM webhook_events",
             "DROP TABLE webhook_events",
             "ALTER TABLE webhook_events_v3 RENAME TO webhook_events",
         }},
        // install_events numbered by its rowid (the largest + 1) instead of
        // AUTOINCREMENT, whose counter row in sqlite_sequence was one more
        // page written with every install change. The numbers are the same:
        // no event is ever deleted. Rows keep their seq. PostgreSQL's
        // BIGSERIAL has no such cost (and recreating it would reset its
        // sequence), so it keeps its table.
        {4,
         {
             "CREATE TABLE install_events_v4 ("
             " seq INTEGER PRIMARY KEY,"
             " account_id TEXT NOT NULL,"
             " livemode INTEGER NOT NULL,"
             " change TEXT NOT NULL,"
             " changed_by TEXT NOT NULL,"
             " at INTEGER NOT NULL)",
             "INSERT INTO install_events_v4 (seq, account_id, livemode, change, changed_by, at)"
             " SELECT seq, account_id, livemode, change, changed_by, at FROM install_events",
             "DROP TABLE install_events", // also drops its sqlite_sequence row
             "ALTER TABLE install_events_v4 RENAME TO install_events",
             "CREATE INDEX install_events_account ON install_events(account_id, at)",
         },
         true},
    };
    return all;
}

} // namespace

int Schema::latestVersion()
{
    return migrations().back().version;
}

int Schema::currentVersion(SqlConnection& connection)
{
    SqlStatement& statement = query(connection, "SELECT MAX(version) FROM schema_version");
    int version = 0;
    while (statement.step())
        version = statement.isNull(0) ? 0 : static_cast<int>(statement.int64(0));
    return version;
}

void Schema::migrate(SqlConnection& connection, const SqlDialect& dialect, const std::string& databaseName,
                     std::int64_t appliedAt)
{
    // Take the write lock before reading the version: a second process
    // waits and then sees the finished migration, instead of both reading
    // "0" and both creating the tables. SQLite: BEGIN IMMEDIATE; PostgreSQL:
    // an advisory lock (the tables to lock may not exist yet).
    connection.exec(dialect.beginWrite());
    try {
        if (const std::string lock = dialect.serialise(SqlDialect::kMigrationLock); !lock.empty())
            execute(connection, lock);
        connection.exec(dialect.sql("CREATE TABLE IF NOT EXISTS schema_version ("
                                    " version INTEGER PRIMARY KEY,"
                                    " applied_at {int64} NOT NULL)"));
        const int current = currentVersion(connection);
        if (current > latestVersion()) {
            throw StoreError("the database schema is version " + std::to_string(current) +
                             ", newer than this program knows (version " +
                             std::to_string(latestVersion()) +
                             "): run the newer program, or point this one at another database: " +
                             databaseName);
        }
        for (const Migration& migration : migrations()) {
            if (migration.version <= current)
                continue;
            if (!migration.sqliteOnly || !dialect.isPostgres())
                for (const char* statement : migration.statements)
                    connection.exec(dialect.sql(statement));
            execute(connection, dialect.sql("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"),
                    migration.version, appliedAt);
        }
        connection.exec("COMMIT");
    } catch (...) {
        try {
            connection.exec("ROLLBACK");
        } catch (...) {
            // The database may already have rolled back (SQLite after
            // SQLITE_FULL, PostgreSQL when the connection dropped);
            // the original error is the one worth reporting.
        }
        throw;
    }
}

} // namespace si
