#pragma once
// The SQL store's schema: numbered migrations applied in order, with the
// applied versions recorded in the database itself.
#include <cstdint>
#include <string>

namespace si {

class SqlConnection;
class SqlDialect;

/// The versioned schema of the SQL store. Version N is reached by applying
/// migrations 1..N in order; the table `schema_version` holds one row per
/// applied migration, so the current version is its highest `version`.
class Schema {
public:
    /// The version this program's migrations lead to.
    static int latestVersion();

    /// The database's current version (0 for a new, empty database).
    /// Throws SqlError on database faults.
    static int currentVersion(SqlConnection& connection);

    /// Brings the database to latestVersion(), stamping each migration
    /// applied with `appliedAt` (Unix seconds). Runs inside one write
    /// transaction holding the dialect's migration lock (SQLite: BEGIN
    /// IMMEDIATE; PostgreSQL: an advisory lock), so of several processes
    /// opening a new database at once exactly one migrates and the others
    /// then find the work done; on failure nothing is applied. A no-op when
    /// up to date.
    ///
    /// Throws StoreError when the database has a newer version than this
    /// program knows (`databaseName` names it in the message), and
    /// SqlError on database faults (the caller translates them).
    static void migrate(SqlConnection& connection, const SqlDialect& dialect,
                        const std::string& databaseName, std::int64_t appliedAt);
};

} // namespace si
