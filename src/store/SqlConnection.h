#pragma once
// The narrow port the SQL store is written against: one database connection
// and its prepared statements. Two adapters implement it: SQLite through the
// sqlite3 C API (SqliteConnection, linked into the program) and PostgreSQL
// through Poco Data (in the module stripe-install-postgresql.so).
//
// Header only on purpose: the module implements these classes too, and must
// not need a symbol from the program.
#include "core/StoreError.h"

#include <cstdint>
#include <optional>
#include <string>

namespace si {

/// What kind of fault a database reported; the store words its message.
enum class SqlFault {
    Locked,       ///< waited for another writer's lock longer than the busy timeout
    ReadOnly,     ///< the database (or its folder) cannot be written
    DiskFull,     ///< no space left
    NotADatabase, ///< not a database, or corrupt
    CantOpen,     ///< cannot be opened or reached
    Other,
};

/// A database fault: `what()` is the database's own message (SQLite's
/// "file is not a database", libpq's text), without the database's name.
class SqlError : public StoreError {
public:
    SqlError(SqlFault fault, const std::string& message) : StoreError(message), _fault(fault) {}
    SqlFault fault() const { return _fault; }

private:
    SqlFault _fault;
};

/// One prepared statement, kept by its connection and run many times.
/// Positions (bind) count from 1, columns (read) from 0. Every method throws
/// SqlError on a database fault.
class SqlStatement {
public:
    virtual ~SqlStatement() = default;

    /// Ready to run again: the previous run's rows and bindings are gone.
    virtual void reset() = 0;
    virtual void bind(int position, std::int64_t value) = 0;
    virtual void bind(int position, const std::string& value) = 0;
    virtual void bindNull(int position) = 0;
    /// Runs the statement (first call after reset) or moves to the next row:
    /// true while there is a row to read.
    virtual bool step() = 0;
    virtual bool isNull(int column) const = 0;
    virtual std::int64_t int64(int column) const = 0;
    virtual std::string text(int column) const = 0;
    /// Rows the last run inserted, changed or deleted.
    virtual std::int64_t changes() const = 0;
};

/// One connection. Not thread-safe: the store takes turns.
class SqlConnection {
public:
    virtual ~SqlConnection() = default;

    /// The statement for `sql`, prepared on first use and kept for the
    /// connection's life (the same text gives the same statement). Throws
    /// SqlError when the SQL cannot be prepared.
    virtual SqlStatement& prepare(const std::string& sql) = 0;
    /// Runs SQL without parameters, discarding any rows (BEGIN, ROLLBACK,
    /// DDL). Throws SqlError.
    virtual void exec(const std::string& sql) = 0;
    /// False when the connection is lost for good (a PostgreSQL server
    /// restarted); the store then opens a new one.
    virtual bool alive() = 0;
};

// ---- Binding helpers: query(connection, sql, values…) ----------------------

inline void bindValue(SqlStatement& s, int at, std::int64_t v) { s.bind(at, v); }
inline void bindValue(SqlStatement& s, int at, int v) { s.bind(at, static_cast<std::int64_t>(v)); }
inline void bindValue(SqlStatement& s, int at, bool v) { s.bind(at, static_cast<std::int64_t>(v ? 1 : 0)); }
inline void bindValue(SqlStatement& s, int at, const std::string& v) { s.bind(at, v); }
inline void bindValue(SqlStatement& s, int at, const char* v) { s.bind(at, std::string(v)); }
inline void bindValue(SqlStatement& s, int at, std::nullptr_t) { s.bindNull(at); }
inline void bindValue(SqlStatement& s, int at, const std::optional<std::int64_t>& v)
{
    if (v)
        s.bind(at, *v);
    else
        s.bindNull(at);
}

/// The prepared statement for `sql`, reset and bound to `values` in order;
/// step() it for rows.
template <class... Values>
SqlStatement& query(SqlConnection& connection, const std::string& sql, const Values&... values)
{
    SqlStatement& statement = connection.prepare(sql);
    statement.reset();
    int at = 0;
    (bindValue(statement, ++at, values), ...);
    return statement;
}

/// Runs `sql` with `values` to the end; returns the rows it changed.
template <class... Values>
std::int64_t execute(SqlConnection& connection, const std::string& sql, const Values&... values)
{
    SqlStatement& statement = query(connection, sql, values...);
    while (statement.step()) {
    }
    return statement.changes();
}

/// The nullable integer in `column` of the current row.
inline std::optional<std::int64_t> optionalInt64(const SqlStatement& s, int column)
{
    return s.isNull(column) ? std::nullopt : std::optional<std::int64_t>(s.int64(column));
}

} // namespace si
