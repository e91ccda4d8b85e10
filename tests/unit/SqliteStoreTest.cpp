#include <boost/test/unit_test.hpp>

#include "StoreTestSuite.h"
#include "core/StoreError.h"
#include "store/Schema.h"
#include "store/SqlStore.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace Poco::Data::Keywords;
using si::storetest::kT0;

namespace {

/// A fresh directory under the system's temp folder, removed afterwards.
struct TempDir {
    std::string path;
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "si-store-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed for " + pattern);
        path = pattern;
    }
    ~TempDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

struct SqliteStoreFixture {
    TempDir dir;
    std::string dbPath = dir.path + "/store.db";
    si::storetest::StoreFactory open = [this] { return std::make_unique<si::SqlStore>("sqlite", dbPath, 5000); };
    si::storetest::StoreFactory openNotifying = [this] {
        return std::make_unique<si::SqlStore>("sqlite", dbPath, 5000, "", si::StoreOptions{true});
    };

    /// A plain Poco session on the same file, to look behind the store's back.
    Poco::Data::Session raw()
    {
        Poco::Data::SQLite::Connector::registerConnector();
        Poco::Data::Session session("SQLite", dbPath);
        session << "PRAGMA busy_timeout = 5000", now;
        return session;
    }
};

using si::storetest::checkStoreError;

} // namespace

BOOST_AUTO_TEST_SUITE(SqliteStoreTest)

SI_SHARED_STORE_TEST_CASES(SqliteStoreFixture)

BOOST_FIXTURE_TEST_CASE(opening_twice_migrates_once_and_keeps_data, SqliteStoreFixture)
{
    si::storetest::installAt(*open(), "acct_A", kT0);
    auto second = open();
    auto third = open();
    BOOST_TEST(third->findInstalls("acct_A").size() == 1u);
    Poco::Data::Session session = raw();
    int rows = 0;
    int version = 0;
    session << "SELECT COUNT(*), MAX(version) FROM schema_version", into(rows), into(version), now;
    BOOST_TEST(rows == si::Schema::latestVersion());
    BOOST_TEST(version == si::Schema::latestVersion());
    std::string mode;
    session << "PRAGMA journal_mode", into(mode), now;
    BOOST_TEST(mode == "wal");
}

BOOST_FIXTURE_TEST_CASE(newer_schema_is_refused, SqliteStoreFixture)
{
    open();
    int future = si::Schema::latestVersion() + 1;
    {
        Poco::Data::Session session = raw();
        session << "INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", use(future), now;
    }
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
    int rows = 0;
    raw() << "SELECT COUNT(*) FROM schema_version", into(rows), now;
    BOOST_TEST(rows == si::Schema::latestVersion());
}

BOOST_FIXTURE_TEST_CASE(locked_database_fails_after_busy_timeout_and_recovers, SqliteStoreFixture)
{
    si::SqlStore store("sqlite", dbPath, 200);
    store.saveState(si::storetest::makeState("a"));
    Poco::Data::Session holder = raw();
    holder << "BEGIN IMMEDIATE", now; // another writer holds the write lock
    const auto start = std::chrono::steady_clock::now();
    checkStoreError([&] { store.saveState(si::storetest::makeState("b")); },
                    "database is locked (busy for more than 200 ms): " + dbPath);
    const long long waitedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
    BOOST_TEST(waitedMs >= 150);  // it did wait…
    BOOST_TEST(waitedMs < 3000); // …but not Poco's 60 s
    checkStoreError([&] { si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A")); },
                    "database is locked");
    BOOST_TEST(store.findInstalls("acct_A").empty()); // readers go on in WAL mode
    holder << "ROLLBACK", now;
    // the statements that threw were rebuilt: the store works again
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
    // fails at once: Poco would otherwise retry the open for 60 s
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

BOOST_AUTO_TEST_SUITE_END()
