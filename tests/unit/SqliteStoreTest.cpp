#include <boost/test/unit_test.hpp>

#include "StoreTestSuite.h"
#include "TempDir.h"
#include "core/StoreError.h"
#include "store/Schema.h"
#include "store/SqlStore.h"
#include "store/SqliteConnection.h"
#include "store/WalCheckpointer.h"
#include "store/WalWriteGathering.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <future>
#include <mutex>
#include <thread>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using si::storetest::firstRow;
using si::storetest::kT0;

namespace {

using si::testing::TempDir;

struct SqliteStoreFixture {
    TempDir dir;
    std::string dbPath = dir.path + "/store.db";
    /// As the FastCGI program opens a store (several request threads): every
    /// write that finds no commit running yields once before it commits. The
    /// group commit cases below open stores without it.
    static si::StoreOptions sharedByThreads(bool notifications = false)
    {
        si::StoreOptions options;
        options.notifications = notifications;
        options.sharedByThreads = true;
        return options;
    }
    si::storetest::StoreFactory open = [this] {
        return std::make_unique<si::SqlStore>("sqlite", dbPath, 5000, "", sharedByThreads());
    };
    si::storetest::StoreFactory openNotifying = [this] {
        return std::make_unique<si::SqlStore>("sqlite", dbPath, 5000, "", sharedByThreads(true));
    };

    /// A connection of its own on the same file, to look behind the store's back.
    std::unique_ptr<si::SqlConnection> raw() { return si::openSqlite(dbPath, 5000); }
};

using si::storetest::checkStoreError;

/// A connection through the sqlite3 C API with a VFS of the test's choosing
/// (nullptr: SQLite's default), to watch the WAL write by write.
struct RawSqlite {
    sqlite3* db = nullptr;
    RawSqlite(const std::string& path, const char* vfs)
    {
        const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
        BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, "open " << path << ": " << sqlite3_errstr(rc));
    }
    ~RawSqlite() { sqlite3_close(db); }
    RawSqlite(const RawSqlite&) = delete;
    RawSqlite& operator=(const RawSqlite&) = delete;

    void exec(const std::string& sql)
    {
        char* error = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        const std::string message = error ? error : "";
        sqlite3_free(error);
        BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << message);
    }
    /// The first column of the first row, as text.
    std::string text(const std::string& sql)
    {
        sqlite3_stmt* statement = nullptr;
        BOOST_REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
        std::string value;
        if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0))
            value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        sqlite3_finalize(statement);
        return value;
    }
};

/// write(2)-family system calls this process has made (/proc/self/io).
std::uint64_t writeCallsSoFar()
{
    std::ifstream io("/proc/self/io");
    std::string key;
    std::uint64_t value = 0;
    while (io >> key >> value)
        if (key == "syscw:")
            return value;
    BOOST_FAIL("no syscw in /proc/self/io");
    return 0;
}

/// WAL mode as the store sets it up, and no automatic checkpoint.
void walWithoutCheckpoints(RawSqlite& connection)
{
    connection.exec("PRAGMA journal_mode = WAL");
    connection.exec("PRAGMA synchronous = NORMAL");
    connection.exec("PRAGMA wal_autocheckpoint = 0");
}

} // namespace

BOOST_AUTO_TEST_SUITE(SqliteStoreTest)

SI_SHARED_STORE_TEST_CASES(SqliteStoreFixture)

BOOST_FIXTURE_TEST_CASE(opening_twice_migrates_once_and_keeps_data, SqliteStoreFixture)
{
    si::storetest::installAt(*open(), "acct_A", kT0);
    auto second = open();
    auto third = open();
    BOOST_TEST(third->findInstalls("acct_A").size() == 1u);
    auto session = raw();
    const std::vector<std::int64_t> counts = firstRow(*session, "SELECT COUNT(*), MAX(version) FROM schema_version", 2);
    BOOST_TEST(counts == (std::vector<std::int64_t>{si::Schema::latestVersion(), si::Schema::latestVersion()}),
               boost::test_tools::per_element());
    std::string mode;
    for (si::SqlStatement& row = si::query(*session, "PRAGMA journal_mode"); row.step();)
        mode = row.text(0);
    BOOST_TEST(mode == "wal");
}

// Version 3 keeps install_states, installs and webhook_events in their
// keys' own B-trees (WITHOUT ROWID). A version-2 database keeps every row.
BOOST_FIXTURE_TEST_CASE(version_3_moves_rows_into_tables_without_rowid, SqliteStoreFixture)
{
    open();
    {
        // Back to version 2's tables, as a version-2 program left them.
        auto session = raw();
        session->exec("DROP TABLE installs");
        session->exec("CREATE TABLE installs (account_id TEXT NOT NULL, livemode INTEGER NOT NULL,"
                      " user_id TEXT NOT NULL DEFAULT '', ref TEXT NOT NULL DEFAULT '', installed_at INTEGER NOT NULL,"
                      " updated_at INTEGER NOT NULL, revoked_at INTEGER, revoked_by TEXT NOT NULL DEFAULT '',"
                      " revoke_event_id TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT 'callback',"
                      " PRIMARY KEY (account_id, livemode))");
        si::execute(*session, "INSERT INTO installs (account_id, livemode, user_id, ref, installed_at, updated_at)"
                              " VALUES ('acct_Old', 1, 'usr_Old', 'ref-old', ?, ?)", kT0 - 100, kT0 - 100);
        session->exec("DROP TABLE webhook_events");
        session->exec("CREATE TABLE webhook_events (event_id TEXT PRIMARY KEY, type TEXT NOT NULL,"
                      " account_id TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, received_at INTEGER NOT NULL,"
                      " effect TEXT NOT NULL)");
        si::execute(*session, "INSERT INTO webhook_events VALUES ('evt_Old', ?, 'acct_Old', ?, ?, 'recorded')",
                    si::storetest::kAuthorized, kT0 - 100, kT0 - 100);
        session->exec("DROP TABLE install_states");
        session->exec("CREATE TABLE install_states (token_hash TEXT PRIMARY KEY, browser_hash TEXT NOT NULL,"
                      " ref TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
                      " consumed_at INTEGER)");
        session->exec("CREATE INDEX install_states_expires_at ON install_states(expires_at)");
        si::execute(*session, "INSERT INTO install_states VALUES ('state-pending', ?, 'ref-1', ?, ?, NULL)",
                    si::storetest::kBrowser, kT0, kT0 + 600);
        si::execute(*session, "INSERT INTO install_states VALUES ('state-used', ?, '', ?, ?, ?)",
                    si::storetest::kBrowser, kT0, kT0 + 600, kT0 + 5);
        session->exec("DELETE FROM schema_version WHERE version >= 3");
    }
    auto store = open();
    auto session = raw();
    BOOST_TEST(firstRow(*session, "SELECT MAX(version) FROM schema_version").at(0) == si::Schema::latestVersion());
    for (const std::string name : {"install_states", "installs", "webhook_events"}) {
        std::string table;
        for (si::SqlStatement& row = si::query(*session, "SELECT sql FROM sqlite_master WHERE name = ?", name);
             row.step();)
            table = row.text(0);
        BOOST_TEST(table.find("WITHOUT ROWID") != std::string::npos, name << ": " << table);
    }
    BOOST_TEST(firstRow(*session, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%_v3'").at(0) == 0);
    const std::vector<si::Install> old = store->findInstalls("acct_Old");
    BOOST_TEST_REQUIRE(old.size() == 1u);
    BOOST_TEST(old.at(0).userId == "usr_Old");
    BOOST_TEST(old.at(0).ref == "ref-old");
    const si::WebhookEffect again = store->applyWebhookEvent(
        si::storetest::makeEvent("evt_Old", si::storetest::kAuthorized, "acct_Old", kT0 - 100), kT0);
    BOOST_TEST(si::toCode(again) == si::toCode(si::WebhookEffect::Duplicate));
    BOOST_TEST(firstRow(*session, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'install_states_expires_at'").at(0) == 1);
    BOOST_TEST(firstRow(*session, "SELECT COUNT(*) FROM install_states").at(0) == 2);
    const si::Install install = si::storetest::callbackInstall("acct_Migrated");
    const si::ConsumeResult used = si::storetest::consume(*store, "used", kT0 + 10, install);
    BOOST_TEST(si::toCode(used.outcome) == si::toCode(si::ConsumeOutcome::AlreadyUsed));
    const si::ConsumeResult pending = si::storetest::consume(*store, "pending", kT0 + 10, install);
    BOOST_TEST(si::toCode(pending.outcome) == si::toCode(si::ConsumeOutcome::Consumed));
    BOOST_TEST(pending.install.ref == "ref-1");
}

BOOST_FIXTURE_TEST_CASE(version_4_numbers_install_events_without_sqlite_sequence, SqliteStoreFixture)
{
    open();
    {
        // Back to version 3's install_events (AUTOINCREMENT), with rows.
        auto session = raw();
        session->exec("DROP TABLE install_events");
        session->exec("CREATE TABLE install_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL,"
                      " livemode INTEGER NOT NULL, change TEXT NOT NULL, changed_by TEXT NOT NULL,"
                      " at INTEGER NOT NULL)");
        session->exec("CREATE INDEX install_events_account ON install_events(account_id, at)");
        for (const auto& [seq, change] : {std::pair{1, "installed"}, {2, "revoked"}, {5, "reinstalled"}})
            si::execute(*session, "INSERT INTO install_events VALUES (?, 'acct_Hist', 0, ?, 'callback', ?)", seq,
                        std::string(change), kT0 + seq);
        BOOST_TEST_REQUIRE(
            firstRow(*session, "SELECT seq FROM sqlite_sequence WHERE name = 'install_events'").at(0) == 5);
        session->exec("DELETE FROM schema_version WHERE version >= 4");
    }
    auto store = open();
    auto session = raw();
    BOOST_TEST(firstRow(*session, "SELECT MAX(version) FROM schema_version").at(0) == 4);
    std::string table;
    for (si::SqlStatement& row = si::query(*session, "SELECT sql FROM sqlite_master WHERE name = 'install_events'");
         row.step();)
        table = row.text(0);
    BOOST_TEST(table.find("seq INTEGER PRIMARY KEY,") != std::string::npos, table);
    BOOST_TEST(table.find("AUTOINCREMENT") == std::string::npos, table);
    BOOST_TEST(firstRow(*session, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'install_events_account'").at(0) == 1);
    BOOST_TEST(firstRow(*session, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%_v4'").at(0) == 0);
    BOOST_TEST(firstRow(*session, "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'install_events'").at(0) == 0);

    // Every row kept with its number, in order; the next change is numbered after the largest.
    std::vector<si::InstallEvent> history = store->installHistory("acct_Hist");
    BOOST_TEST_REQUIRE(history.size() == 3u);
    BOOST_TEST(history.at(0).change == "installed");
    BOOST_TEST(history.at(2).change == "reinstalled");
    si::storetest::installAt(*store, "acct_Hist", kT0 + 100);
    history = store->installHistory("acct_Hist");
    BOOST_TEST_REQUIRE(history.size() == 4u);
    BOOST_TEST(history.at(3).at == kT0 + 100);
    BOOST_TEST(firstRow(*session, "SELECT MAX(seq) FROM install_events").at(0) == 6);
    BOOST_TEST(firstRow(*session, "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'install_events'").at(0) == 0);
}

BOOST_FIXTURE_TEST_CASE(newer_schema_is_refused, SqliteStoreFixture)
{
    open();
    const int future = si::Schema::latestVersion() + 1;
    si::execute(*raw(), "INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", future);
    checkStoreError([&] { open(); }, "the database schema is version " + std::to_string(future) +
                                         ", newer than this program knows (version " +
                                         std::to_string(si::Schema::latestVersion()) + ")");
    checkStoreError([&] { open(); }, dbPath);
}

BOOST_FIXTURE_TEST_CASE(many_first_opens_at_once_migrate_once, SqliteStoreFixture)
{
    constexpr int kThreads = 8;
    std::vector<std::unique_ptr<si::Store>> stores(kThreads);
    const std::vector<std::string> errors =
        si::storetest::runTogether(kThreads, [](int) {}, [&](int i) { stores[i] = open(); });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM schema_version").at(0) == si::Schema::latestVersion());
}

BOOST_FIXTURE_TEST_CASE(locked_database_fails_after_busy_timeout_and_recovers, SqliteStoreFixture)
{
    si::SqlStore store("sqlite", dbPath, 200);
    store.saveState(si::storetest::makeState("a"));
    auto holder = raw();
    holder->exec("BEGIN IMMEDIATE"); // another writer holds the write lock
    const auto start = std::chrono::steady_clock::now();
    checkStoreError([&] { store.saveState(si::storetest::makeState("b")); },
                    "database is locked (busy for more than 200 ms): " + dbPath);
    const long long waitedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
    BOOST_TEST(waitedMs >= 150);  // it did wait…
    BOOST_TEST(waitedMs < 3000); // …but not for ever
    checkStoreError([&] { si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A")); },
                    "database is locked");
    BOOST_TEST(store.findInstalls("acct_A").empty()); // readers go on in WAL mode
    holder->exec("ROLLBACK");
    // the statements that threw were reset: the store works again
    store.saveState(si::storetest::makeState("b"));
    BOOST_TEST(si::storetest::code(
                   si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A")).outcome) ==
               si::storetest::code(si::ConsumeOutcome::Consumed));
    store.ping();
}

BOOST_FIXTURE_TEST_CASE(not_a_database_is_named, SqliteStoreFixture)
{
    std::ofstream(dbPath) << std::string(4096, 'x');
    try {
        open();
        BOOST_ERROR("opened a file that is not a database");
    } catch (const si::StoreError& error) {
        BOOST_TEST(std::string(error.what()) == "file is not a database: " + dbPath);
    }
}

BOOST_FIXTURE_TEST_CASE(missing_directory_is_named, SqliteStoreFixture)
{
    const std::string path = dir.path + "/no/such/dir/store.db";
    const auto start = std::chrono::steady_clock::now();
    checkStoreError([&] { si::SqlStore("sqlite", path, 100); }, "unable to open database file: " + path);
    // fails at once: an open does not wait
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                   .count() < 1000);
}

BOOST_FIXTURE_TEST_CASE(read_only_database_reads_and_names_the_fault_on_write, SqliteStoreFixture)
{
    auto writer = open(); // keeps the WAL files there for the read-only open
    si::storetest::installAt(*writer, "acct_A", kT0);
    const std::string uri = "file:" + dbPath + "?mode=ro";
    si::SqlStore reader("sqlite", uri, 100); // up to date: opening writes nothing
    BOOST_TEST(reader.findInstalls("acct_A").size() == 1u);
    checkStoreError([&] { reader.saveState(si::storetest::makeState("a")); },
                    "attempt to write a readonly database: " + uri);
    checkStoreError([&] { reader.revokeByHand("acct_A", kT0 + 1); }, "attempt to write a readonly database");
    BOOST_TEST(reader.findInstalls("acct_A").at(0).active());
}

BOOST_FIXTURE_TEST_CASE(a_file_that_cannot_be_written_is_refused_at_open, SqliteStoreFixture)
{
    si::storetest::installAt(*open(), "acct_A", kT0);
    // root writes any file whatever its mode: make it immutable instead
    struct Immutable {
        std::string path;
        bool set = std::system(("chattr +i '" + path + "' 2>/dev/null").c_str()) == 0;
        ~Immutable()
        {
            if (set && std::system(("chattr -i '" + path + "'").c_str()) != 0)
                std::cerr << "could not chattr -i " << path << "\n";
        }
    } immutable{dbPath};
    if (!immutable.set) {
        BOOST_TEST_MESSAGE("SKIPPED: chattr +i failed (not root, or the file system has no attributes)");
        return;
    }
    checkStoreError([&] { open(); }, "the database is read-only: ");
    checkStoreError([&] { open(); }, ": " + dbPath);
}

BOOST_AUTO_TEST_CASE(in_memory_database_works)
{
    si::SqlStore store("SQLite", ":memory:", 100);
    store.ping();
    BOOST_TEST(store.databaseName() == ":memory:");
    BOOST_TEST(si::storetest::installAt(store, "acct_A", kT0, true, "usr_1", "r").ref == "r");
}

BOOST_AUTO_TEST_CASE(unsupported_connector_is_refused)
{
    checkStoreError([] { si::SqlStore("oracle", "x", 100); }, "unsupported database connector \"oracle\"");
    checkStoreError([] { si::SqlStore("sqlite", ":memory:", -1); }, "busy_timeout_ms");
}

BOOST_FIXTURE_TEST_CASE(zero_busy_timeout_fails_at_once, SqliteStoreFixture)
{
    si::SqlStore store("sqlite", dbPath, 0);
    auto holder = raw();
    holder->exec("BEGIN IMMEDIATE");
    const auto start = std::chrono::steady_clock::now();
    checkStoreError([&] { store.saveState(si::storetest::makeState("a")); },
                    "database is locked (busy for more than 0 ms): " + dbPath);
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                   .count() < 100);
    holder->exec("ROLLBACK");
}

BOOST_FIXTURE_TEST_CASE(a_waiting_writer_proceeds_soon_after_the_lock_is_released, SqliteStoreFixture)
{
    // SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20 ms …: a lock
    // released after 40 ms was noticed at 53 ms at the earliest. The store's
    // handler waits at most 200 µs between tries. Best of three runs, as the
    // machine may be busy.
    si::SqlStore store("sqlite", dbPath, 5000);
    store.ping();
    using std::chrono::steady_clock;
    constexpr auto kHold = std::chrono::milliseconds(40);
    long long bestLateUs = 1'000'000;
    for (int run = 0; run < 3; ++run) {
        auto holder = raw();
        holder->exec("BEGIN IMMEDIATE");
        const steady_clock::time_point start = steady_clock::now();
        steady_clock::time_point released;
        std::thread release([&] {
            std::this_thread::sleep_for(kHold);
            released = steady_clock::now();
            holder->exec("ROLLBACK");
        });
        store.saveState(si::storetest::makeState("w" + std::to_string(run)));
        const steady_clock::time_point done = steady_clock::now();
        release.join();
        BOOST_TEST((done - start >= kHold)); // it did wait for the holder
        bestLateUs = std::min<long long>(
            bestLateUs, std::chrono::duration_cast<std::chrono::microseconds>(done - released).count());
    }
    BOOST_TEST(bestLateUs < 8000, "the writer went on " << bestLateUs << " µs after the release");
}

namespace {

/// Polls `condition` every millisecond for at most `limit`; its last value.
bool waitFor(const std::function<bool()>& condition, std::chrono::seconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline)
            return condition();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

/// Waits (at most 10 s) until `store` has `n` writes queued or committing.
bool waitForWritesWaiting(const si::SqlStore& store, std::size_t n)
{
    return waitFor([&] { return store.writesWaiting() == n; }, std::chrono::seconds(10));
}

} // namespace

BOOST_FIXTURE_TEST_CASE(writes_that_wait_together_commit_together_and_fail_alone, SqliteStoreFixture)
{
    si::SqlStore store("sqlite", dbPath, 10000);
    store.saveState(si::storetest::makeState("taken"));
    auto holder = raw();
    holder->exec("BEGIN IMMEDIATE"); // the store's first writer waits in BEGIN
    const std::uint64_t before = store.transactionsCommitted();
    std::vector<std::string> outcomes(6);
    std::vector<std::thread> threads;
    const auto save = [&](int i, const std::string& token) {
        threads.emplace_back([&, i, token] {
            try {
                store.saveState(si::storetest::makeState(token));
                outcomes[i] = "stored";
            } catch (const si::StoreError& error) {
                outcomes[i] = error.what();
            }
        });
    };
    save(0, "first");
    BOOST_REQUIRE(waitForWritesWaiting(store, 1)); // its batch: itself alone
    save(1, "second");
    save(2, "third");
    save(3, "taken"); // fails: the key is stored already
    save(4, "fourth");
    save(5, "fifth");
    BOOST_REQUIRE(waitForWritesWaiting(store, 6));
    holder->exec("ROLLBACK");
    for (std::thread& thread : threads)
        thread.join();
    BOOST_TEST(store.transactionsCommitted() - before == 2u); // [first], then the other five together
    BOOST_TEST(outcomes[0] == "stored");
    BOOST_TEST(outcomes[1] == "stored");
    BOOST_TEST(outcomes[2] == "stored");
    BOOST_TEST(outcomes[3].find("UNIQUE constraint failed") != std::string::npos, outcomes[3]);
    BOOST_TEST(outcomes[3].find(dbPath) != std::string::npos, outcomes[3]); // names the database
    BOOST_TEST(outcomes[4] == "stored");
    BOOST_TEST(outcomes[5] == "stored");
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states").at(0) == 6);
    BOOST_TEST(store.writesWaiting() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_batch_that_cannot_commit_fails_every_write_in_it, SqliteStoreFixture)
{
    si::SqlStore store("sqlite", dbPath, 1000);
    store.saveState(si::storetest::makeState("a"));
    auto holder = raw();
    holder->exec("BEGIN IMMEDIATE"); // held past the busy timeout, twice
    std::vector<std::string> outcomes(4);
    std::vector<std::thread> threads;
    const auto write = [&](int i) {
        threads.emplace_back([&, i] {
            try {
                if (i == 1)
                    si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A"));
                else if (i == 2)
                    store.applyWebhookEvent(si::storetest::makeEvent("evt_1", "account.application.authorized",
                                                                     "acct_B", kT0),
                                            kT0 + 1);
                else
                    store.saveState(si::storetest::makeState("s" + std::to_string(i)));
                outcomes[i] = "stored";
            } catch (const si::StoreError& error) {
                outcomes[i] = error.what();
            }
        });
    };
    write(0);
    BOOST_REQUIRE(waitForWritesWaiting(store, 1));
    for (int i = 1; i < 4; ++i)
        write(i);
    // the other three queue while the first waits for the lock: one batch
    BOOST_REQUIRE(waitForWritesWaiting(store, 4));
    for (std::thread& thread : threads)
        thread.join();
    holder->exec("ROLLBACK");
    for (const std::string& outcome : outcomes)
        BOOST_TEST(outcome == "database is locked (busy for more than 1000 ms): " + dbPath);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states").at(0) == 1);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM installs").at(0) == 0);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM webhook_events").at(0) == 0);
    // and the store goes on
    BOOST_TEST(si::storetest::code(
                   si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A")).outcome) ==
               si::storetest::code(si::ConsumeOutcome::Consumed));
}

BOOST_FIXTURE_TEST_CASE(a_store_shared_by_threads_commits_their_writes_together_and_each_fails_alone,
                        SqliteStoreFixture)
{
    si::SqlStore store("sqlite", dbPath, 10000, "", sharedByThreads());
    constexpr int kThreads = 8, kRounds = 60;
    for (int i = 0; i < kThreads; ++i)
        store.saveState(si::storetest::makeState("taken" + std::to_string(i)));
    const std::uint64_t before = store.transactionsCommitted();
    std::vector<std::vector<std::string>> outcomes(kThreads);
    const std::vector<std::string> thrown = si::storetest::runTogether(
        kThreads, [](int) {},
        [&](int i) {
            const std::string me = std::to_string(i);
            const auto token = [&](int round) { return "t" + me + "-" + std::to_string(round); };
            for (int round = 0; round < kRounds; ++round) {
                try {
                    if (round % 10 == 5) { // fails: stored before the threads began
                        store.saveState(si::storetest::makeState("taken" + me));
                    } else if (round % 10 == 9) { // consumes this thread's state of the round before
                        const si::ConsumeResult result = si::storetest::consume(
                            store, token(round - 1), kT0 + 1,
                            si::storetest::callbackInstall("acct_" + me + "_" + std::to_string(round)));
                        if (result.outcome != si::ConsumeOutcome::Consumed) {
                            outcomes[i].push_back("not consumed");
                            continue;
                        }
                    } else {
                        store.saveState(si::storetest::makeState(token(round)));
                    }
                    outcomes[i].push_back("stored");
                } catch (const si::StoreError& error) {
                    outcomes[i].push_back(error.what());
                }
            }
        });
    BOOST_TEST(thrown.empty());
    int stored = 0;
    for (int i = 0; i < kThreads; ++i) {
        BOOST_REQUIRE(outcomes[i].size() == std::size_t(kRounds));
        for (int round = 0; round < kRounds; ++round) {
            const std::string& outcome = outcomes[i][round];
            if (round % 10 == 5)
                BOOST_TEST(outcome.find("UNIQUE constraint failed") != std::string::npos, outcome);
            else
                BOOST_TEST(outcome == "stored");
            stored += outcome == "stored" ? 1 : 0;
        }
    }
    constexpr int kStates = kThreads * (kRounds - 2 * kRounds / 10), kInstalls = kThreads * kRounds / 10;
    BOOST_TEST(stored == kStates + kInstalls);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states").at(0) == kThreads + kStates);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states WHERE consumed_at IS NOT NULL").at(0) ==
               kInstalls);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM installs").at(0) == kInstalls);
    BOOST_TEST(store.writesWaiting() == 0u);
    // Eight threads writing at once: some shared a transaction.
    const std::uint64_t transactions = store.transactionsCommitted() - before;
    BOOST_TEST(transactions < std::uint64_t(kThreads * kRounds));
    BOOST_TEST_MESSAGE(kThreads * kRounds << " writes in " << transactions << " transactions");
}

BOOST_FIXTURE_TEST_CASE(save_state_purges_at_most_once_a_second_per_connection, SqliteStoreFixture)
{
    si::SqlStore store("sqlite", dbPath, 5000);
    store.saveState(si::storetest::makeState("first", "", kT0)); // a connection's first save purges
    // another connection writes a state long expired at kT0
    si::execute(*raw(),
                "INSERT INTO install_states (token_hash, browser_hash, ref, created_at, expires_at)"
                " VALUES ('state-old', ?, '', ?, ?)",
                si::storetest::kBrowser, kT0 - 9000, kT0 - 8400);
    store.saveState(si::storetest::makeState("same-second", "", kT0)); // no purge: same second
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states WHERE token_hash = 'state-old'").at(0) == 1);
    store.saveState(si::storetest::makeState("next-second", "", kT0 + 1)); // purges
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states WHERE token_hash = 'state-old'").at(0) == 0);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states").at(0) == 3);
}

BOOST_FIXTURE_TEST_CASE(connection_is_set_up_for_the_store, SqliteStoreFixture)
{
    auto connection = si::openSqlite(dbPath, 5000);
    std::string mode;
    for (si::SqlStatement& row = si::query(*connection, "PRAGMA journal_mode"); row.step();)
        mode = row.text(0);
    BOOST_TEST(mode == "wal");
    BOOST_TEST(firstRow(*connection, "PRAGMA synchronous").at(0) == 1); // NORMAL
    BOOST_TEST(firstRow(*connection, "PRAGMA foreign_keys").at(0) == 1);
    BOOST_TEST(firstRow(*connection, "PRAGMA cache_size").at(0) == -512);
}

// A plain-CGI process reads the whole WAL when it opens the database (it is
// the only connection): such a store keeps the WAL to about 100 pages.
BOOST_FIXTURE_TEST_CASE(a_one_request_process_keeps_the_wal_short, SqliteStoreFixture)
{
    BOOST_TEST(firstRow(*si::openSqlite(dbPath, 5000), "PRAGMA wal_autocheckpoint").at(0) == 1000);
    const auto walBytesAfter = [&](bool oneRequestPerProcess, const std::string& file) {
        si::StoreOptions options;
        options.oneRequestPerProcess = oneRequestPerProcess;
        si::SqlStore store("sqlite", file, 5000, "", options);
        for (int i = 0; i < 200; ++i)
            store.saveState(si::storetest::makeState(std::to_string(i)));
        return std::filesystem::file_size(file + "-wal"); // it restarts from its start after a checkpoint
    };
    const auto longLived = walBytesAfter(false, dbPath + ".long");
    const auto shortLived = walBytesAfter(true, dbPath + ".short");
    BOOST_TEST(longLived > 300u * 4096u, longLived);
    BOOST_TEST(shortLived <= 120u * 4200u, shortLived);
}

// A long-lived process hands checkpoints to a thread of its own: the WAL
// stays short though no request checkpoints (the fallback mark is 4000).
// Between batches of writes the test waits for the thread to be idle (as it
// is between requests), so the bound does not depend on how busy the
// machine is.
BOOST_FIXTURE_TEST_CASE(a_background_checkpointer_keeps_the_wal_short, SqliteStoreFixture)
{
    std::vector<std::string> problems;
    std::mutex problemsMutex;
    auto checkpointer = std::make_shared<si::WalCheckpointer>(dbPath, [&](const std::string& what) {
        std::lock_guard<std::mutex> lock(problemsMutex);
        problems.push_back(what);
    });
    si::StoreOptions options;
    options.checkpointer = checkpointer;
    {
        si::SqlStore store("sqlite", dbPath, 5000, "", options);
        for (int i = 0; i < 2000; ++i) {
            store.saveState(si::storetest::makeState(std::to_string(i)));
            if (i % 100 == 99)
                BOOST_TEST_REQUIRE(waitFor([&] { return checkpointer->idle(); }, std::chrono::seconds(30)));
        }
    }
    BOOST_TEST(checkpointer->completed() >= 1u);
    // 2000 states are about 6000 WAL pages without a checkpoint (4000 and
    // more with only the fallback mark). With the thread: its 1000-page mark,
    // plus what a batch of 100 states (about 300 pages) adds while it copies,
    // plus what the next batch adds before a RESTART gets the writer lock.
    BOOST_TEST(std::filesystem::file_size(dbPath + "-wal") < 2000u * 4120u);
    std::lock_guard<std::mutex> lock(problemsMutex);
    BOOST_TEST(problems.empty());
}

// Two connections writing steadily (a pause between writes, as a request's
// other work): a passive checkpoint never finds the WAL without new frames,
// so without RESTART it would never start over (and past the 4000-page
// fallback every commit would checkpoint inline).
BOOST_FIXTURE_TEST_CASE(under_steady_writes_the_checkpointer_starts_the_wal_over, SqliteStoreFixture)
{
    auto checkpointer = std::make_shared<si::WalCheckpointer>(dbPath, [](const std::string&) {});
    si::StoreOptions options;
    options.checkpointer = checkpointer;
    constexpr int kWriters = 2;
    constexpr int kStates = 4000; // per writer: about 24000 WAL pages in all
    std::vector<std::unique_ptr<si::SqlStore>> stores(kWriters);
    const std::vector<std::string> errors = si::storetest::runTogether(
        kWriters, [&](int writer) { stores[writer] = std::make_unique<si::SqlStore>("sqlite", dbPath, 5000, "", options); },
        [&](int writer) {
            for (int i = 0; i < kStates; ++i) {
                stores[writer]->saveState(si::storetest::makeState(std::to_string(writer) + "-" + std::to_string(i)));
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            }
        });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM install_states").at(0) == kWriters * kStates);
    const auto walPages = std::filesystem::file_size(dbPath + "-wal") / 4120;
    BOOST_TEST_MESSAGE("WAL high-water mark " << walPages << " pages after " << checkpointer->completed()
                                              << " checkpoints, " << checkpointer->restarts() << " restarts");
    BOOST_TEST(checkpointer->restarts() >= 1u);
    BOOST_TEST(walPages < 3u * si::WalCheckpointer::kBackgroundPages, walPages);
}

BOOST_AUTO_TEST_CASE(the_checkpointer_never_creates_a_deleted_database)
{
    TempDir dir;
    const std::string missing = dir.path + "/gone.db";
    std::promise<std::string> told;
    si::WalCheckpointer checkpointer(missing, [&](const std::string& what) { told.set_value(what); });
    checkpointer.request();
    auto answer = told.get_future();
    BOOST_REQUIRE(answer.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    const std::string problem = answer.get();
    BOOST_TEST(problem.find(missing) != std::string::npos, problem);
    BOOST_TEST(!std::filesystem::exists(missing));
    BOOST_TEST(checkpointer.completed() == 0u);
}

BOOST_AUTO_TEST_CASE(statements_are_prepared_once_and_reused)
{
    auto connection = si::openSqlite(":memory:", 100);
    connection->exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
    const std::string insert = "INSERT INTO t (k, v) VALUES (?, ?)";
    si::SqlStatement& first = connection->prepare(insert);
    BOOST_TEST(&connection->prepare(insert) == &first);
    BOOST_TEST(si::execute(*connection, insert, "a", 1) == 1);
    BOOST_TEST(si::execute(*connection, insert, "b", nullptr) == 1); // bindings are per run
    // a run that fails leaves the statement ready for the next
    try {
        si::execute(*connection, insert, "a", 2);
        BOOST_ERROR("a duplicate key was inserted");
    } catch (const si::SqlError& error) {
        BOOST_TEST(std::string(error.what()).find("UNIQUE") != std::string::npos, error.what());
        BOOST_TEST(static_cast<int>(error.fault()) == static_cast<int>(si::SqlFault::Other));
    }
    BOOST_TEST(si::execute(*connection, insert, "c", 3) == 1);
    BOOST_TEST(&connection->prepare(insert) == &first);
    std::vector<std::string> rows;
    for (si::SqlStatement& row = si::query(*connection, "SELECT k, v FROM t ORDER BY k"); row.step();)
        rows.push_back(row.text(0) + "=" + (row.isNull(1) ? "null" : std::to_string(row.int64(1))));
    BOOST_TEST(rows == (std::vector<std::string>{"a=1", "b=null", "c=3"}), boost::test_tools::per_element());
}


// ---- WAL write gathering (store/WalWriteGathering.h) -----------------------

// The invariant that makes gathering safe: when SQLite publishes a commit
// (the WAL hook runs right after), every frame it counts is in the file.
BOOST_FIXTURE_TEST_CASE(gathered_wal_frames_are_in_the_file_when_the_commit_is_published, SqliteStoreFixture)
{
    BOOST_REQUIRE(si::walWriteGatheringVfs() != nullptr);
    RawSqlite writer(dbPath, si::walWriteGatheringVfs());
    walWithoutCheckpoints(writer);
    writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
    struct Published {
        std::string wal;
        std::uintmax_t frameBytes = 0;
        int commits = 0;
        std::vector<std::string> problems;
    } published;
    published.wal = dbPath + "-wal";
    published.frameBytes = 24 + std::stoul(writer.text("PRAGMA page_size"));
    sqlite3_wal_hook(
        writer.db,
        [](void* context, sqlite3*, const char*, int frames) {
            auto& p = *static_cast<Published*>(context);
            const std::uintmax_t expected = 32 + static_cast<std::uintmax_t>(frames) * p.frameBytes;
            const std::uintmax_t size = std::filesystem::file_size(p.wal);
            if (size != expected)
                p.problems.push_back("commit " + std::to_string(p.commits) + ": " + std::to_string(frames) +
                                     " frames published, WAL file " + std::to_string(size) + " bytes, not " +
                                     std::to_string(expected));
            ++p.commits;
            return SQLITE_OK;
        },
        &published);
    RawSqlite reader(dbPath, nullptr); // SQLite's own VFS, as another process would read
    for (int i = 1; i <= 120; ++i) {
        // 1 to 7 pages, and every eleventh past what is held at most (64 KiB)
        const int bytes = (i % 7) * 3000 + (i % 11 == 0 ? 200000 : 10);
        writer.exec("INSERT INTO t (id, body) VALUES (" + std::to_string(i) + ", randomblob(" +
                    std::to_string(bytes) + "))");
        const std::string row = "SELECT hex(body) FROM t WHERE id = " + std::to_string(i);
        BOOST_TEST(reader.text("SELECT COUNT(*) FROM t") == std::to_string(i));
        BOOST_TEST(reader.text(row) == writer.text(row));
    }
    BOOST_TEST(published.commits == 120);
    BOOST_TEST(published.problems.empty(), (published.problems.empty() ? "" : published.problems.front()));
    BOOST_TEST(reader.text("PRAGMA integrity_check") == "ok");
    // SQLite's own VFS checkpoints what the gathering one wrote.
    const std::string sum = "SELECT SUM(LENGTH(body)) || ':' || COUNT(*) FROM t";
    const std::string before = writer.text(sum);
    reader.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    BOOST_TEST(std::filesystem::file_size(dbPath + "-wal") == 0u);
    BOOST_TEST(RawSqlite(dbPath, nullptr).text(sum) == before);
    BOOST_TEST(reader.text("PRAGMA integrity_check") == "ok");
}

BOOST_FIXTURE_TEST_CASE(a_gathered_commit_is_one_write_call, SqliteStoreFixture)
{
    // The fewest write calls of three commits of a 10 KB row (a leaf and
    // three overflow pages at least): a sanitizer build now and then probes
    // memory with write(2) to a pipe of its own, on a first encounter.
    const auto fewestWriteCalls = [](RawSqlite& connection) {
        std::uint64_t fewest = std::numeric_limits<std::uint64_t>::max();
        for (int i = 0; i < 3; ++i) {
            const std::uint64_t before = writeCallsSoFar();
            connection.exec("INSERT INTO t (body) VALUES (randomblob(10000))");
            fewest = std::min(fewest, writeCallsSoFar() - before);
        }
        return fewest;
    };
    RawSqlite gathering(dbPath, si::walWriteGatheringVfs());
    walWithoutCheckpoints(gathering);
    gathering.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
    BOOST_TEST(fewestWriteCalls(gathering) == 1u);

    // SQLite's own VFS: a header and a page a frame (what the test measures)
    RawSqlite plain(dbPath, nullptr);
    plain.exec("PRAGMA synchronous = NORMAL");
    BOOST_TEST(fewestWriteCalls(plain) >= 8u);
}

// Frames spilled to the WAL by a transaction too large for the page cache,
// then rolled back: nothing of them is visible, and what follows commits.
BOOST_FIXTURE_TEST_CASE(a_rolled_back_transaction_that_spilled_into_the_wal_leaves_nothing, SqliteStoreFixture)
{
    RawSqlite writer(dbPath, si::walWriteGatheringVfs());
    walWithoutCheckpoints(writer);
    writer.exec("PRAGMA cache_size = 10"); // pages: the transaction below spills
    writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
    writer.exec("INSERT INTO t (id, body) VALUES (1, x'01')");
    const auto walBefore = std::filesystem::file_size(dbPath + "-wal");
    writer.exec("BEGIN");
    for (int i = 0; i < 40; ++i)
        writer.exec("INSERT INTO t (body) VALUES (randomblob(40000))");
    BOOST_REQUIRE(std::filesystem::file_size(dbPath + "-wal") > walBefore + 400000); // it did spill
    writer.exec("ROLLBACK");
    writer.exec("INSERT INTO t (id, body) VALUES (2, x'02')");
    RawSqlite reader(dbPath, nullptr);
    BOOST_TEST(reader.text("SELECT group_concat(hex(body), ',') FROM t ORDER BY id") == "01,02");
    BOOST_TEST(reader.text("PRAGMA integrity_check") == "ok");
    reader.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    BOOST_TEST(RawSqlite(dbPath, nullptr).text("SELECT group_concat(hex(body), ',') FROM t ORDER BY id") == "01,02");
}

BOOST_AUTO_TEST_SUITE_END()
