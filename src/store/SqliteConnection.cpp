#include "store/SqliteConnection.h"

#include "store/WalCheckpointer.h"
#include "store/WalWriteGathering.h"

#include <sqlite3.h>

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>
#include <unordered_map>

namespace si {
namespace {

using Clock = std::chrono::steady_clock;

SqlFault faultOf(int code)
{
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SqlFault::Locked;
    case SQLITE_READONLY:
        return SqlFault::ReadOnly;
    case SQLITE_FULL:
        return SqlFault::DiskFull;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return SqlFault::NotADatabase;
    case SQLITE_CANTOPEN:
        return SqlFault::CantOpen;
    default:
        return SqlFault::Other;
    }
}

[[noreturn]] void fail(sqlite3* db, int code)
{
    throw SqlError(faultOf(code), db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
}

class SqliteStatement : public SqlStatement {
public:
    SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : _db(db), _statement(statement) {}
    ~SqliteStatement() override { sqlite3_finalize(_statement); }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    void reset() override
    {
        // The code sqlite3_reset returns is the last step's, reported then.
        sqlite3_reset(_statement);
        sqlite3_clear_bindings(_statement);
        _changes = 0;
    }
    void bind(int position, std::int64_t value) override
    {
        check(sqlite3_bind_int64(_statement, position, value));
    }
    void bind(int position, const std::string& value) override
    {
        check(sqlite3_bind_text(_statement, position, value.data(), static_cast<int>(value.size()),
                                SQLITE_TRANSIENT));
    }
    void bindNull(int position) override { check(sqlite3_bind_null(_statement, position)); }

    bool step() override
    {
        const int rc = sqlite3_step(_statement);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE) {
            _changes = sqlite3_stmt_readonly(_statement) ? 0 : sqlite3_changes64(_db);
            sqlite3_reset(_statement); // ends its read (a WAL snapshot) at once
            return false;
        }
        const SqlError error(faultOf(rc), sqlite3_errmsg(_db));
        sqlite3_reset(_statement);
        throw error;
    }
    bool isNull(int column) const override { return sqlite3_column_type(_statement, column) == SQLITE_NULL; }
    std::int64_t int64(int column) const override { return sqlite3_column_int64(_statement, column); }
    std::string text(int column) const override
    {
        const auto* chars = reinterpret_cast<const char*>(sqlite3_column_text(_statement, column));
        return chars ? std::string(chars, static_cast<std::size_t>(sqlite3_column_bytes(_statement, column)))
                     : std::string();
    }
    std::int64_t changes() const override { return _changes; }

private:
    void check(int rc) const
    {
        if (rc != SQLITE_OK)
            fail(_db, rc);
    }

    sqlite3* _db;
    sqlite3_stmt* _statement;
    std::int64_t _changes = 0;
};

class SqliteConnection : public SqlConnection {
public:
    SqliteConnection(const std::string& file, int busyTimeoutMs) : _busyTimeout(std::chrono::milliseconds(busyTimeoutMs))
    {
        const int rc = sqlite3_open_v2(file.c_str(), &_db,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                                           SQLITE_OPEN_NOMUTEX,
                                       walWriteGatheringVfs());
        if (rc != SQLITE_OK) {
            const SqlError error(faultOf(rc), _db ? sqlite3_errmsg(_db) : sqlite3_errstr(rc));
            sqlite3_close(_db);
            throw error;
        }
        sqlite3_busy_handler(_db, &SqliteConnection::onBusy, this);
    }
    ~SqliteConnection() override
    {
        _statements.clear(); // finalized before the close
        sqlite3_close(_db);
    }
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    SqlStatement& prepare(const std::string& sql) override
    {
        auto found = _statements.find(sql);
        if (found != _statements.end())
            return *found->second;
        sqlite3_stmt* statement = nullptr;
        const int rc = sqlite3_prepare_v3(_db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                          &statement, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(statement);
            fail(_db, rc);
        }
        return *_statements.emplace(sql, std::make_unique<SqliteStatement>(_db, statement)).first->second;
    }

    void exec(const std::string& sql) override
    {
        const int rc = sqlite3_exec(_db, sql.c_str(), nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            fail(_db, rc);
    }

    bool alive() override { return true; } // a connection to a file does not drop

    sqlite3* handle() const { return _db; }
    Clock::duration busyTimeout() const { return _busyTimeout; }

    /// From now on, a WAL of WalCheckpointer::kBackgroundPages asks
    /// `checkpointer` for a checkpoint; only at `fallbackPages` does the
    /// committing request checkpoint itself (replaces wal_autocheckpoint).
    void useBackgroundCheckpoints(WalCheckpointer* checkpointer, int fallbackPages)
    {
        _checkpointer = checkpointer;
        _walFallbackPages = fallbackPages;
        sqlite3_wal_hook(_db, &SqliteConnection::onWalCommit, this);
    }

private:
    /// SQLite's own handler sleeps 1, 2, 5, 10 … 100 ms between tries, so a
    /// writer queued behind a 1 ms transaction may wait 100 ms: with eight
    /// writers that is the p99. Yield first, then sleep 50 µs growing by
    /// 5 µs a try to 200 µs, until the busy timeout has passed.
    static int onBusy(void* self, int tries)
    {
        auto& connection = *static_cast<SqliteConnection*>(self);
        const Clock::time_point now = Clock::now();
        if (tries == 0)
            connection._busySince = now;
        if (now - connection._busySince >= connection._busyTimeout)
            return 0; // SQLITE_BUSY: "database is locked"
        constexpr int kYields = 16;
        if (tries < kYields)
            sched_yield();
        else
            std::this_thread::sleep_for(std::chrono::microseconds(std::min(50 + 5 * (tries - kYields), 200)));
        return 1;
    }

    sqlite3* _db = nullptr;
    static int onWalCommit(void* self, sqlite3* db, const char* name, int pages)
    {
        auto& connection = *static_cast<SqliteConnection*>(self);
        if (pages >= connection._walFallbackPages)
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        else if (pages >= WalCheckpointer::kBackgroundPages)
            connection._checkpointer->request();
        return SQLITE_OK;
    }

    WalCheckpointer* _checkpointer = nullptr;
    int _walFallbackPages = 1000;
    Clock::duration _busyTimeout;
    Clock::time_point _busySince;
    std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> _statements;
};

/// Sets WAL journal mode and returns the mode now in force. Switching a new
/// file to WAL needs it to itself for a moment, and there SQLite answers
/// "locked" at once instead of calling the busy handler; so, for several
/// processes opening a new file together, retry within the busy timeout.
std::string switchToWal(SqliteConnection& connection)
{
    const Clock::time_point deadline = Clock::now() + connection.busyTimeout();
    for (;;) {
        try {
            SqlStatement& statement = query(connection, "PRAGMA journal_mode = WAL");
            std::string mode;
            while (statement.step())
                mode = statement.text(0);
            std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::tolower(c); });
            return mode;
        } catch (const SqlError& error) {
            if (error.fault() != SqlFault::Locked || Clock::now() >= deadline)
                throw;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
}

} // namespace

std::unique_ptr<SqlConnection> openSqlite(const std::string& file, int busyTimeoutMs, int walAutocheckpointPages,
                                          WalCheckpointer* checkpointer)
{
    auto connection = std::make_unique<SqliteConnection>(file, busyTimeoutMs);
    // SQLite opens a file it may not write read-only without a word, and
    // such a connection stays read-only when the file is fixed: refuse it,
    // so that the next open (after the fix) gets a writable one. Asked for
    // ("file:…?mode=ro") it is fine: reads work, writes fail.
    const bool askedReadOnly = file.rfind("file:", 0) == 0 && file.find("mode=ro") != std::string::npos;
    if (!askedReadOnly && sqlite3_db_readonly(connection->handle(), "main") == 1)
        throw SqlError(SqlFault::ReadOnly, "the database is read-only: the program's user cannot write the file"
                                           " (check its owner, permissions and attributes, and the folder's)");
    // WAL lets readers and one writer proceed together; it persists in the
    // file, so this is a no-op after the first open.
    const std::string mode = switchToWal(*connection);
    if (mode != "wal" && mode != "memory")
        throw StoreError("could not switch the database to WAL journal mode (it stays in \"" + mode +
                         "\" mode; is it on a network file system, or opened by an older program?): " + file);
    // NORMAL is durable in WAL mode except for the last commits on power loss.
    connection->exec("PRAGMA synchronous = NORMAL");
    connection->exec("PRAGMA foreign_keys = ON");
    // 512 KiB of page cache (the default is 2 MiB): a request touches a few
    // pages, and each process stays under 10 MB resident.
    connection->exec("PRAGMA cache_size = -512");
    // Savepoints keep the pages they change in a sub-journal, which SQLite
    // writes to a temporary file past 64 KiB: a group commit of 30 handed
    // writes (SharedWriter.h) made ten pwrite calls a callback to a file
    // that is deleted unread at the COMMIT (strace). In memory instead; the
    // pages are freed at the COMMIT.
    connection->exec("PRAGMA temp_store = MEMORY");
    // A connection that closes last checkpoints the WAL into the database and
    // fsyncs both: about 40 ms here, paid by every plain-CGI request (the
    // profile of `make bench` showed it). SQLite has no PRAGMA for this. The
    // automatic checkpoints (every `walAutocheckpointPages` WAL pages) still
    // run, so the WAL stays small; with synchronous=NORMAL nothing committed
    // is lost but on power loss.
    sqlite3_db_config(connection->handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    connection->exec("PRAGMA wal_autocheckpoint = " + std::to_string(walAutocheckpointPages));
    if (checkpointer)
        connection->useBackgroundCheckpoints(checkpointer, walAutocheckpointPages);
    return connection;
}

} // namespace si
