#pragma once
// The few places where SQLite and PostgreSQL need different SQL or set-up,
// kept together so that SqlStore and Schema stay one portable implementation.
#include <string>
#include <vector>

namespace si {

/// One SQL dialect: SQLite or PostgreSQL.
///
/// The store writes portable SQL with `?` placeholders and the markers
/// `{int64}`, `{serial}` and `{without_rowid}` (after a CREATE TABLE's
/// closing parenthesis); sql() turns it into this dialect's text. What
/// differs beyond that (how a write transaction starts, how writers that
/// read first are serialised, how the connection is set up) is asked of
/// this class. The upsert needs nothing here: INSERT … ON CONFLICT (…) DO
/// UPDATE SET x = excluded.x is the same in SQLite (3.24+) and PostgreSQL
/// (9.5+).
class SqlDialect {
public:
    enum class Kind { Sqlite, Postgres };

    /// The dialect of a [database] connector: "sqlite" or "postgresql"
    /// ("postgres" too; any case). Throws StoreError for anything else.
    static SqlDialect forConnector(const std::string& connector);

    Kind kind() const { return _kind; }
    bool isPostgres() const { return _kind == Kind::Postgres; }

    /// Portable SQL to this dialect: `?` → `$1`, `$2`, … on PostgreSQL
    /// (Poco's PostgreSQL connector passes placeholders to libpq as they
    /// are), and `{int64}` → INTEGER (SQLite, already 64-bit) or BIGINT
    /// (PostgreSQL's INTEGER is 32-bit), and `{serial}` → an auto-numbered
    /// 64-bit primary key (INTEGER PRIMARY KEY AUTOINCREMENT: never reused;
    /// BIGSERIAL PRIMARY KEY). Quoted text is left alone.
    std::string sql(const std::string& portable) const;

    /// Starts a write transaction. SQLite: BEGIN IMMEDIATE (take the write
    /// lock before reading, so two writers queue instead of deadlocking on a
    /// lock upgrade). PostgreSQL: BEGIN (READ COMMITTED; row locks serialise
    /// writers of one row, and a conditional UPDATE re-checks its WHERE
    /// against the row a concurrent writer committed).
    std::string beginWrite() const;

    /// A statement that serialises, until the end of the transaction, every
    /// transaction that runs it with the same `lock` (a small number naming
    /// what is protected): for the read-then-write transactions (migrations,
    /// webhook events) that row locks alone cannot serialise, because the
    /// row may not exist yet. "" on SQLite, where beginWrite() already holds
    /// the one write lock. Returns one row with one integer column.
    std::string serialise(int lock) const;

    /// Appended to a SELECT of rows the transaction then changes: " FOR
    /// UPDATE" on PostgreSQL (a concurrent writer of those rows waits, and
    /// the SELECT returns what it committed); "" on SQLite (one writer).
    std::string lockRows() const;

    /// The statements that set up a new connection; `busyTimeoutMs` is how
    /// long a write waits for another writer's lock before failing. None on
    /// SQLite: openSqlite sets the connection up itself (its busy handler,
    /// and the journal mode, which needs a retry).
    std::vector<std::string> sessionSetup(int busyTimeoutMs) const;

    /// What messages call the database: the SQLite file as given, or the
    /// conninfo with any password replaced by ***.
    std::string displayName(const std::string& connection) const;

    /// The connection string to hand to the connection. SQLite: as given.
    /// PostgreSQL: the conninfo (key=value pairs or a postgresql:// URI)
    /// parsed by libpq and written again as plain key=value pairs, with
    /// `password` added when not empty: Poco 1.11 splits the string at every
    /// space itself, so quoted values cannot pass through it. Throws
    /// StoreError (never showing a password) when libpq cannot parse the
    /// conninfo, or a value holds a space or a quote.
    std::string connectorString(const std::string& connection, const std::string& password) const;

    /// True when the fault means "waited for another writer's lock for
    /// longer than the busy timeout" (SQLITE_BUSY, PostgreSQL 55P03).
    bool isLockTimeout(const std::string& cause) const;

    /// Lock numbers for serialise().
    static constexpr int kMigrationLock = 1;
    static constexpr int kWebhookLock = 2;

private:
    explicit SqlDialect(Kind kind) : _kind(kind) {}
    Kind _kind;
};

/// "password=secret" (and password='…') in a libpq conninfo or URI replaced
/// by "password=***"; everything else unchanged.
std::string redactConnectionString(const std::string& connection);

} // namespace si
