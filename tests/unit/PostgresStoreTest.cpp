#include <boost/test/unit_test.hpp>

#include "StoreTestSuite.h"
#include "core/StoreError.h"
#include "store/Schema.h"
#include "store/PostgresModule.h"
#include "store/SqlDialect.h"
#include "store/SqlStore.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

// The shared store suite, and what only PostgreSQL has, against the database
// named by SI_PG_CONNINFO (a libpq conninfo; the password from PGPASSWORD).
// CTest runs this file through tests/pg/run-with-cluster.sh, which starts a
// private cluster; without SI_PG_CONNINFO every case is skipped, and says so.

using si::storetest::firstRow;
using si::storetest::kT0;

namespace {

const char* const kSchema = "si_store_test";

std::string conninfo()
{
    const char* value = std::getenv("SI_PG_CONNINFO");
    return value ? value : "";
}

boost::test_tools::assertion_result postgresConfigured(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result result(!conninfo().empty());
    if (!result) {
        result.message() << "SI_PG_CONNINFO is not set: the PostgreSQL store tests are skipped"
                            " (run them with tests/pg/run-with-cluster.sh, as CTest does)";
        std::cerr << "PostgresStoreTest: SKIPPED: SI_PG_CONNINFO is not set"
                     " (tests/pg/run-with-cluster.sh starts a private cluster and sets it)\n";
    }
    return result;
}

std::unique_ptr<si::SqlConnection> rawConnection()
{
    // Through the module (stripe-install-postgresql.so), as the program does.
    return si::postgres::connect(si::SqlDialect::forConnector("postgresql").connectorString(conninfo(), ""));
}

/// Each case gets an empty schema of its own: every connection of the case
/// finds its tables there (search_path), and nothing of an earlier case.
struct PostgresStoreFixture {
    std::string storeConninfo = conninfo() + " options=-csearch_path=" + kSchema;
    si::storetest::StoreFactory open = [this] {
        return std::make_unique<si::SqlStore>("postgresql", storeConninfo, 5000);
    };
    si::storetest::StoreFactory openNotifying = [this] {
        si::StoreOptions notifying;
        notifying.notifications = true;
        return std::make_unique<si::SqlStore>("postgresql", storeConninfo, 5000, "", notifying);
    };

    PostgresStoreFixture()
    {
        auto connection = rawConnection();
        connection->exec("SET client_min_messages = warning");
        connection->exec(std::string("DROP SCHEMA IF EXISTS ") + kSchema + " CASCADE");
        connection->exec(std::string("CREATE SCHEMA ") + kSchema);
    }

    /// A connection of its own in the case's schema, to look behind the store's back.
    std::unique_ptr<si::SqlConnection> raw()
    {
        auto connection = rawConnection();
        connection->exec(std::string("SET search_path = ") + kSchema);
        return connection;
    }
};

using si::storetest::checkStoreError;

} // namespace

BOOST_AUTO_TEST_SUITE(PostgresStoreTest, *boost::unit_test::precondition(postgresConfigured))

SI_SHARED_STORE_TEST_CASES(PostgresStoreFixture)

BOOST_FIXTURE_TEST_CASE(opening_twice_migrates_once_and_keeps_data, PostgresStoreFixture)
{
    si::storetest::installAt(*open(), "acct_A", kT0);
    auto second = open();
    BOOST_TEST(second->findInstalls("acct_A").size() == 1u);
    const std::vector<std::int64_t> counts = firstRow(*raw(), "SELECT COUNT(*), MAX(version) FROM schema_version", 2);
    BOOST_TEST(counts == (std::vector<std::int64_t>{si::Schema::latestVersion(), si::Schema::latestVersion()}),
               boost::test_tools::per_element());
    // timestamps are 64-bit: past 2038
    const std::int64_t late = 4'102'444'800; // 2100-01-01
    BOOST_TEST(si::storetest::installAt(*second, "acct_late", late).installedAt == late);
}

BOOST_FIXTURE_TEST_CASE(many_first_opens_at_once_migrate_once, PostgresStoreFixture)
{
    constexpr int kThreads = 8;
    std::vector<std::unique_ptr<si::Store>> stores(kThreads);
    const std::vector<std::string> errors =
        si::storetest::runTogether(kThreads, [](int) {}, [&](int i) { stores[i] = open(); });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM schema_version").at(0) == si::Schema::latestVersion());
}

BOOST_FIXTURE_TEST_CASE(newer_schema_is_refused, PostgresStoreFixture)
{
    open();
    const int future = si::Schema::latestVersion() + 1;
    si::execute(*raw(), "INSERT INTO schema_version (version, applied_at) VALUES ($1, 0)", future);
    checkStoreError([&] { open(); }, "the database schema is version " + std::to_string(future) +
                                         ", newer than this program knows");
}

BOOST_FIXTURE_TEST_CASE(concurrent_webhook_deliveries_apply_once, PostgresStoreFixture)
{
    si::storetest::installAt(*open(), "acct_A", kT0);
    constexpr int kThreads = 8;
    std::vector<std::unique_ptr<si::Store>> stores(kThreads);
    std::vector<std::string> effects(kThreads);
    const si::WebhookEvent revoke =
        si::storetest::makeEvent("evt_1", si::storetest::kDeauthorized, "acct_A", kT0 + 5);
    const std::vector<std::string> errors = si::storetest::runTogether(
        kThreads, [&](int i) { stores[i] = open(); },
        [&](int i) { effects[i] = si::toCode(stores[i]->applyWebhookEvent(revoke, kT0 + 6 + i)); });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    int revoked = 0;
    int duplicates = 0;
    for (const std::string& effect : effects) {
        revoked += effect == si::toCode(si::WebhookEffect::Revoked) ? 1 : 0;
        duplicates += effect == si::toCode(si::WebhookEffect::Duplicate) ? 1 : 0;
    }
    BOOST_TEST(revoked == 1);
    BOOST_TEST(duplicates == kThreads - 1);
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM webhook_events").at(0) == 1);
}

BOOST_FIXTURE_TEST_CASE(locked_row_fails_after_busy_timeout_and_recovers, PostgresStoreFixture)
{
    si::SqlStore store("postgresql", storeConninfo, 200);
    store.saveState(si::storetest::makeState("a"));
    auto holder = raw();
    holder->exec("BEGIN");
    holder->exec("UPDATE install_states SET ref = 'held' WHERE token_hash = 'state-a'"); // holds the row lock
    const auto start = std::chrono::steady_clock::now();
    checkStoreError([&] { si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A")); },
                    "database is locked (busy for more than 200 ms): ");
    const long long waitedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
    BOOST_TEST(waitedMs >= 150);
    BOOST_TEST(waitedMs < 3000);
    holder->exec("ROLLBACK");
    // the statements that threw were rebuilt: the store works again
    BOOST_TEST(si::storetest::code(
                   si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A")).outcome) ==
               si::storetest::code(si::ConsumeOutcome::Consumed));
    store.ping();
}

BOOST_FIXTURE_TEST_CASE(lost_connection_is_reopened_on_a_later_call, PostgresStoreFixture)
{
    si::SqlStore store("postgresql", storeConninfo, 1000);
    store.saveState(si::storetest::makeState("a"));
    // the server ends the store's connection (as a restart or a failover would)
    firstRow(*raw(), "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    checkStoreError([&] { store.ping(); }, "");
    store.ping(); // a new connection
    BOOST_TEST(si::storetest::code(
                   si::storetest::consume(store, "a", kT0 + 1, si::storetest::callbackInstall("acct_A")).outcome) ==
               si::storetest::code(si::ConsumeOutcome::Consumed));
}

BOOST_FIXTURE_TEST_CASE(password_never_appears_in_messages, PostgresStoreFixture)
{
    const std::string secret = "s3cret-Pass";
    // a wrong password for the right server: libpq's refusal, our name for the database
    try {
        si::SqlStore store("postgresql", conninfo() + " password=" + secret, 100);
        BOOST_ERROR("connected with a wrong password");
    } catch (const si::StoreError& error) {
        const std::string message = error.what();
        BOOST_TEST(message.find(secret) == std::string::npos, message);
        BOOST_TEST(message.find("password=***") != std::string::npos, message);
    }
    // no server there: found before Poco tries (PQping in the module), named, password masked
    try {
        si::SqlStore store("postgresql", "host=127.0.0.1 port=1 dbname=si user=si password=" + secret, 100);
        BOOST_ERROR("connected to port 1");
    } catch (const si::StoreError& error) {
        const std::string message = error.what();
        BOOST_TEST(message.find("could not connect to the PostgreSQL server") != std::string::npos, message);
        BOOST_TEST(message.find("password=***") != std::string::npos, message);
        BOOST_TEST(message.find(secret) == std::string::npos, message);
    }
    // the password argument (from [database] password_file) is used, never shown
    try {
        si::SqlStore store("postgresql", conninfo(), 100, secret);
        BOOST_ERROR("connected with a wrong password");
    } catch (const si::StoreError& error) {
        BOOST_TEST(std::string(error.what()).find(secret) == std::string::npos, error.what());
    }
    const char* right = std::getenv("PGPASSWORD");
    if (right && *right) {
        si::SqlStore store("postgresql", storeConninfo, 100, right);
        store.ping();
        BOOST_TEST(store.databaseName().find(right) == std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// Pure: no database needed.
BOOST_AUTO_TEST_SUITE(PostgresStoreTestDialect)

BOOST_AUTO_TEST_CASE(connection_strings_are_redacted)
{
    BOOST_TEST(si::redactConnectionString("host=db dbname=si user=si password=top secret=x") ==
               "host=db dbname=si user=si password=*** secret=x");
    BOOST_TEST(si::redactConnectionString("host=db password = 'a b\\' c' user=si") ==
               "host=db password = *** user=si");
    BOOST_TEST(si::redactConnectionString("PASSWORD=x") == "PASSWORD=***");
    BOOST_TEST(si::redactConnectionString("postgresql://si:pw@db:5432/si?password=q&sslmode=require") ==
               "postgresql://si:***@db:5432/si?password=***&sslmode=require");
    BOOST_TEST(si::redactConnectionString("host=db passwordfile=x") == "host=db passwordfile=x");
    BOOST_TEST(si::redactConnectionString("/var/db/installs.sqlite") == "/var/db/installs.sqlite");
}

BOOST_AUTO_TEST_CASE(portable_sql_becomes_each_dialect)
{
    const auto pg = si::SqlDialect::forConnector("PostgreSQL");
    const auto lite = si::SqlDialect::forConnector("sqlite");
    BOOST_TEST(pg.sql("SELECT ? WHERE a = '?' AND b = ? -- {int64}") == "SELECT $1 WHERE a = '?' AND b = $2 -- BIGINT");
    BOOST_TEST(lite.sql("SELECT ? WHERE t {int64}") == "SELECT ? WHERE t INTEGER");
    BOOST_TEST(pg.beginWrite() == "BEGIN");
    BOOST_TEST(lite.beginWrite() == "BEGIN IMMEDIATE");
    BOOST_TEST(lite.serialise(si::SqlDialect::kWebhookLock).empty());
    BOOST_TEST(pg.connectorString("host=db  dbname = 'si' ", "pw") == "dbname=si host=db password=pw");
    BOOST_TEST(pg.connectorString("postgresql://u:old@db:5433/si", "new") ==
               "user=u password=new dbname=si host=db port=5433");
    BOOST_TEST(lite.connectorString("x.db", "pw") == "x.db");
    checkStoreError([&] { pg.connectorString("host=db password='a b'", ""); }, "password=***");
    checkStoreError([&] { pg.connectorString("host=db", "it's"); }, "PGPASSWORD");
    checkStoreError([&] { pg.connectorString("host=db nonsense=1 password=zz", ""); }, "nonsense");
    checkStoreError([] { si::SqlDialect::forConnector("mysql"); }, "unsupported database connector \"mysql\"");
}

BOOST_AUTO_TEST_SUITE_END()
