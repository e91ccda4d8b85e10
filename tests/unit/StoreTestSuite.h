#pragma once
// The shared Store test suite: every Store implementation runs these same
// cases unchanged. A store's test file defines a fixture with a member
//     si::storetest::StoreFactory open;
// and, inside its own BOOST_AUTO_TEST_SUITE, writes
//     SI_SHARED_STORE_TEST_CASES(TheFixture)
// Each call of `open` returns a new connection (its own Store) to the one
// database of the test case, which is empty when the case starts; `open`
// must be callable from several threads at once. The fixture also has
//     si::storetest::StoreFactory openNotifying;
// the same, with notifications enabled ([notify] set). Every store is also
// an si::Outbox (the merchant's-side cases reach it with outboxOf), and a
// member `raw()` returning a new si::SqlConnection (the store's own port) on
// the same database, for the cases that break the schema on purpose.
#include <boost/test/unit_test.hpp>

#include "core/Outbox.h"
#include "core/StoreError.h"
#include "core/Stores.h"
#include "store/SqlConnection.h"

#include <algorithm>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace si {
namespace storetest {

using StoreFactory = std::function<std::unique_ptr<Store>()>;
/// Runs one SQL statement on the test's database, outside any Store.
using RunSql = std::function<void(const std::string& sql)>;

/// Checks that `action` throws StoreError whose message contains `expectedPart`.
template <class Action>
void checkStoreError(Action&& action, const std::string& expectedPart)
{
    try {
        action();
        BOOST_ERROR("no StoreError; expected one saying: " << expectedPart);
    } catch (const si::StoreError& error) {
        BOOST_CHECK_MESSAGE(std::string(error.what()).find(expectedPart) != std::string::npos,
                            "message \"" << error.what() << "\" lacks \"" << expectedPart << "\"");
    }
}

/// The first `columns` integers of the first row of `sql` (empty: no row).
inline std::vector<std::int64_t> firstRow(SqlConnection& connection, const std::string& sql, int columns = 1)
{
    std::vector<std::int64_t> values;
    for (SqlStatement& row = query(connection, sql); row.step();)
        for (int column = 0; values.size() < static_cast<std::size_t>(columns); ++column)
            values.push_back(row.int64(column));
    return values;
}

constexpr std::int64_t kT0 = 1'700'000'000; ///< a fixed "now" (Unix seconds)
constexpr std::int64_t kTtl = 600;
const std::string kBrowser = "browser-hash-a";
const std::string kOtherBrowser = "browser-hash-b";
const std::string kDeauthorized = "account.application.deauthorized";
const std::string kAuthorized = "account.application.authorized";

inline StateRecord makeState(const std::string& token, const std::string& ref = "",
                             std::int64_t createdAt = kT0, const std::string& browser = kBrowser)
{
    return StateRecord{"state-" + token, browser, ref, createdAt, createdAt + kTtl, ""};
}

inline Install callbackInstall(const std::string& account, bool livemode = true,
                               const std::string& user = "usr_1")
{
    Install install;
    install.accountId = account;
    install.livemode = livemode;
    install.userId = user;
    return install;
}

inline ConsumeResult consume(Store& store, const std::string& token, std::int64_t now,
                             const Install& install, const std::string& browser = kBrowser)
{
    return store.consumeStateAndRecordInstall("state-" + token, browser, now, install);
}

/// Installs `account` through the callback path at `at`; returns the row.
inline Install installAt(Store& store, const std::string& account, std::int64_t at, bool livemode = true,
                         const std::string& user = "usr_1", const std::string& ref = "")
{
    const std::string token = account + (livemode ? "-live-" : "-test-") + std::to_string(at) + "-" + user;
    store.saveState(makeState(token, ref, at));
    const ConsumeResult result = consume(store, token, at, callbackInstall(account, livemode, user));
    BOOST_REQUIRE(toCode(result.outcome) == toCode(ConsumeOutcome::Consumed));
    return result.install;
}

inline WebhookEvent makeEvent(const std::string& id, const std::string& type, const std::string& account,
                              std::int64_t created, bool livemode = true)
{
    return WebhookEvent{id, type, account, livemode, created};
}

inline std::string code(ConsumeOutcome outcome) { return toCode(outcome); }
inline std::string code(WebhookEffect effect) { return toCode(effect); }

inline std::vector<std::string> accountsOf(const std::vector<Install>& installs)
{
    std::vector<std::string> accounts;
    for (const Install& install : installs)
        accounts.push_back(install.accountId + (install.livemode ? "/live" : "/test"));
    return accounts;
}

/// Runs body(0..n-1) on n threads released together; returns what they threw.
/// (Boost.Test assertions are not thread-safe: bodies record, callers check.)
inline std::vector<std::string> runTogether(int n, const std::function<void(int)>& prepare,
                                            const std::function<void(int)>& body)
{
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::mutex mutex;
    std::vector<std::string> errors;
    auto record = [&](const std::string& what) {
        std::lock_guard<std::mutex> lock(mutex);
        errors.push_back(what);
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            bool prepared = false;
            try {
                prepare(i);
                prepared = true;
            } catch (const std::exception& error) {
                record(error.what());
            }
            ++ready;
            while (!go)
                std::this_thread::yield();
            if (!prepared)
                return;
            try {
                body(i);
            } catch (const std::exception& error) {
                record(error.what());
            }
        });
    }
    while (ready < n)
        std::this_thread::yield();
    go = true;
    for (std::thread& thread : threads)
        thread.join();
    return errors;
}

// ---- The state and the callback install ------------------------------------

inline void consume_records_install_with_ref(const StoreFactory& open)
{
    auto store = open();
    store->saveState(makeState("a", "plan=pro&from=pricing"));
    const ConsumeResult result = consume(*store, "a", kT0 + 10, callbackInstall("acct_A", true, "usr_9"));
    BOOST_TEST(code(result.outcome) == code(ConsumeOutcome::Consumed));
    const Install& install = result.install;
    BOOST_TEST(install.accountId == "acct_A");
    BOOST_TEST(install.userId == "usr_9");
    BOOST_TEST(install.livemode);
    BOOST_TEST(install.ref == "plan=pro&from=pricing");
    BOOST_TEST(install.installedAt == kT0 + 10);
    BOOST_TEST(install.updatedAt == kT0 + 10);
    BOOST_TEST(install.active());
    BOOST_TEST(install.revokedBy == "");
    BOOST_TEST(install.revokeEventId == "");
    BOOST_TEST(install.source == "callback");

    const std::vector<Install> stored = store->findInstalls("acct_A");
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(stored[0].ref == "plan=pro&from=pricing");
    BOOST_TEST(stored[0].userId == "usr_9");
    BOOST_TEST(stored[0].installedAt == kT0 + 10);
}

inline void second_consume_is_already_used(const StoreFactory& open)
{
    auto store = open();
    store->saveState(makeState("a"));
    BOOST_TEST(code(consume(*store, "a", kT0 + 1, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Consumed));
    const ConsumeResult again = consume(*store, "a", kT0 + 2, callbackInstall("acct_A", true, "usr_2"));
    BOOST_TEST(code(again.outcome) == code(ConsumeOutcome::AlreadyUsed));
    // "used" is reported before "expired" and before "other browser"
    BOOST_TEST(code(consume(*store, "a", kT0 + kTtl + 5, callbackInstall("acct_A"), kOtherBrowser).outcome) ==
               code(ConsumeOutcome::AlreadyUsed));
    const std::vector<Install> stored = store->findInstalls("acct_A");
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(stored[0].userId == "usr_1"); // the replay changed nothing
    BOOST_TEST(stored[0].installedAt == kT0 + 1);
}

inline void expired_state_is_expired(const StoreFactory& open)
{
    auto store = open();
    store->saveState(makeState("a"));
    // valid strictly before expires_at
    BOOST_TEST(code(consume(*store, "a", kT0 + kTtl, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Expired));
    // "expired" is reported before "other browser"
    BOOST_TEST(code(consume(*store, "a", kT0 + kTtl + 100, callbackInstall("acct_A"), kOtherBrowser).outcome) ==
               code(ConsumeOutcome::Expired));
    BOOST_TEST(store->findInstalls("acct_A").empty());
    store->saveState(makeState("b"));
    BOOST_TEST(code(consume(*store, "b", kT0 + kTtl - 1, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Consumed));
}

inline void other_browser_does_not_consume(const StoreFactory& open)
{
    auto store = open();
    store->saveState(makeState("a", "r1"));
    BOOST_TEST(code(consume(*store, "a", kT0 + 1, callbackInstall("acct_A"), kOtherBrowser).outcome) ==
               code(ConsumeOutcome::OtherBrowser));
    BOOST_TEST(code(consume(*store, "a", kT0 + 1, callbackInstall("acct_A"), "").outcome) ==
               code(ConsumeOutcome::OtherBrowser));
    BOOST_TEST(store->findInstalls("acct_A").empty());
    const ConsumeResult right = consume(*store, "a", kT0 + 2, callbackInstall("acct_A"));
    BOOST_TEST(code(right.outcome) == code(ConsumeOutcome::Consumed));
    BOOST_TEST(right.install.ref == "r1");
}

inline void unknown_state_is_unknown(const StoreFactory& open)
{
    auto store = open();
    store->saveState(makeState("a"));
    BOOST_TEST(code(consume(*store, "never-minted", kT0 + 1, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Unknown));
    BOOST_TEST(store->findInstalls("acct_A").empty());
}

inline void reinstall_updates_row_and_clears_revocation(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0, true, "usr_1", "old-ref");
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", kT0 + 50), kT0 + 60)) ==
               code(WebhookEffect::Revoked));
    const Install again = installAt(*store, "acct_A", kT0 + 100, true, "usr_2", "new-ref");
    BOOST_TEST(again.active());
    BOOST_TEST(again.userId == "usr_2");
    BOOST_TEST(again.ref == "new-ref");
    BOOST_TEST(again.installedAt == kT0 + 100);
    BOOST_TEST(again.revokedBy == "");
    BOOST_TEST(again.revokeEventId == "");
    BOOST_TEST(again.source == "callback");
    const std::vector<Install> stored = store->findInstalls("acct_A");
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(stored[0].active());
    BOOST_TEST(stored[0].ref == "new-ref");

    BOOST_TEST(store->revokeByHand("acct_A", kT0 + 200) == 1u);
    BOOST_TEST(installAt(*store, "acct_A", kT0 + 300).active());
    BOOST_TEST(store->findInstalls("acct_A").size() == 1u);
}

inline void live_and_test_installs_are_distinct(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0, true);
    installAt(*store, "acct_A", kT0 + 5, false);
    const std::vector<Install> stored = store->findInstalls("acct_A");
    BOOST_TEST(accountsOf(stored) == (std::vector<std::string>{"acct_A/test", "acct_A/live"}),
               boost::test_tools::per_element());
}

// ---- Webhook events ----------------------------------------------------------

inline void webhook_revokes_install(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0);
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", kT0 + 50), kT0 + 60)) ==
               code(WebhookEffect::Revoked));
    const std::vector<Install> stored = store->findInstalls("acct_A");
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(!stored[0].active());
    BOOST_TEST(stored[0].revokedAt.value_or(0) == kT0 + 60);
    BOOST_TEST(stored[0].revokedBy == "webhook");
    BOOST_TEST(stored[0].revokeEventId == "evt_1");
    BOOST_TEST(stored[0].updatedAt == kT0 + 60);
    // an event created in the same second as the install still revokes it
    installAt(*store, "acct_B", kT0 + 70);
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_2", "apps.install.deleted", "acct_B", kT0 + 70),
                                             kT0 + 71)) == code(WebhookEffect::Revoked));
}

inline void webhook_duplicate_event_changes_nothing(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0);
    const WebhookEvent revoke = makeEvent("evt_1", kDeauthorized, "acct_A", kT0 + 50);
    BOOST_TEST(code(store->applyWebhookEvent(revoke, kT0 + 60)) == code(WebhookEffect::Revoked));
    installAt(*store, "acct_A", kT0 + 100); // re-installed since
    BOOST_TEST(code(store->applyWebhookEvent(revoke, kT0 + 200)) == code(WebhookEffect::Duplicate));
    BOOST_TEST(store->findInstalls("acct_A").at(0).active());
    // the id decides, whatever the rest of the event says
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kAuthorized, "acct_Z", kT0), kT0 + 201)) ==
               code(WebhookEffect::Duplicate));
    BOOST_TEST(store->findInstalls("acct_Z").empty());
}

inline void webhook_revoke_older_than_install_is_stale(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0 + 100);
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_old", kDeauthorized, "acct_A", kT0 + 99), kT0 + 150)) ==
               code(WebhookEffect::Stale));
    const std::vector<Install> stored = store->findInstalls("acct_A");
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(stored[0].active());
    BOOST_TEST(stored[0].updatedAt == kT0 + 100);
}

inline void webhook_revoke_of_revoked_install_is_stale(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0);
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", kT0 + 10), kT0 + 20)) ==
               code(WebhookEffect::Revoked));
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_2", kDeauthorized, "acct_A", kT0 + 30), kT0 + 40)) ==
               code(WebhookEffect::Stale));
    const Install stored = store->findInstalls("acct_A").at(0);
    BOOST_TEST(stored.revokeEventId == "evt_1");
    BOOST_TEST(stored.revokedAt.value_or(0) == kT0 + 20);
}

inline void webhook_revoke_without_install(const StoreFactory& open)
{
    auto store = open();
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", kT0), kT0 + 1)) ==
               code(WebhookEffect::NoInstall));
    // a test-mode install is not the live install
    installAt(*store, "acct_B", kT0, false);
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_2", kDeauthorized, "acct_B", kT0 + 5, true), kT0 + 6)) ==
               code(WebhookEffect::NoInstall));
    BOOST_TEST(store->findInstalls("acct_B").at(0).active());
    BOOST_TEST(store->findInstalls("acct_A").empty());
    // recorded all the same: a retry is a duplicate
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", kT0), kT0 + 9)) ==
               code(WebhookEffect::Duplicate));
}

inline void webhook_other_types_are_ignored_once(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0);
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", "customer.created", "acct_A", kT0 + 1), kT0 + 2)) ==
               code(WebhookEffect::Ignored));
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", "customer.created", "acct_A", kT0 + 1), kT0 + 3)) ==
               code(WebhookEffect::Duplicate));
    BOOST_TEST(store->findInstalls("acct_A").at(0).active());
    BOOST_TEST(store->findInstalls("acct_A").at(0).updatedAt == kT0);
}

inline void webhook_records_new_install(const StoreFactory& open)
{
    auto store = open();
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kAuthorized, "acct_A", kT0 + 5, false), kT0 + 9)) ==
               code(WebhookEffect::Recorded));
    const std::vector<Install> stored = store->findInstalls("acct_A");
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(!stored[0].livemode);
    BOOST_TEST(stored[0].active());
    BOOST_TEST(stored[0].userId == "");
    BOOST_TEST(stored[0].ref == "");
    BOOST_TEST(stored[0].source == "webhook");
    BOOST_TEST(stored[0].installedAt == kT0 + 5);
    BOOST_TEST(stored[0].updatedAt == kT0 + 9);
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_2", "apps.install.created", "acct_B", kT0), kT0 + 9)) ==
               code(WebhookEffect::Recorded));
    BOOST_TEST(store->findInstalls("acct_B").size() == 1u);
}

inline void webhook_record_of_known_install_changes_nothing(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0, true, "usr_1", "r");
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_1", kAuthorized, "acct_A", kT0 + 5), kT0 + 9)) ==
               code(WebhookEffect::Recorded));
    const Install stored = store->findInstalls("acct_A").at(0);
    BOOST_TEST(stored.source == "callback");
    BOOST_TEST(stored.userId == "usr_1");
    BOOST_TEST(stored.ref == "r");
    BOOST_TEST(stored.installedAt == kT0);
    BOOST_TEST(stored.updatedAt == kT0);
}

inline void webhook_record_reactivates_unless_older_than_revocation(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0, true, "usr_1", "r");
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_rev", kDeauthorized, "acct_A", kT0 + 90), kT0 + 100)) ==
               code(WebhookEffect::Revoked));
    // an install event from before the revocation arrives late
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_old", kAuthorized, "acct_A", kT0 + 99), kT0 + 110)) ==
               code(WebhookEffect::Stale));
    BOOST_TEST(!store->findInstalls("acct_A").at(0).active());
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_new", kAuthorized, "acct_A", kT0 + 100), kT0 + 120)) ==
               code(WebhookEffect::Recorded));
    const Install stored = store->findInstalls("acct_A").at(0);
    BOOST_TEST(stored.active());
    BOOST_TEST(stored.revokedBy == "");
    BOOST_TEST(stored.revokeEventId == "");
    BOOST_TEST(stored.installedAt == kT0 + 100);
    BOOST_TEST(stored.updatedAt == kT0 + 120);
    BOOST_TEST(stored.userId == "usr_1"); // kept: the event does not name the user
}

// ---- By hand, listing, purging -------------------------------------------------

inline void revoke_by_hand_revokes_both_modes(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0, true);
    installAt(*store, "acct_A", kT0 + 1, false);
    installAt(*store, "acct_B", kT0 + 2, true);
    BOOST_TEST(store->revokeByHand("acct_A", kT0 + 50) == 2u);
    for (const Install& install : store->findInstalls("acct_A")) {
        BOOST_TEST(install.revokedAt.value_or(0) == kT0 + 50);
        BOOST_TEST(install.revokedBy == "cli");
        BOOST_TEST(install.updatedAt == kT0 + 50);
    }
    BOOST_TEST(store->findInstalls("acct_B").at(0).active());
    BOOST_TEST(store->revokeByHand("acct_A", kT0 + 60) == 0u);
    BOOST_TEST(store->findInstalls("acct_A").at(0).revokedAt.value_or(0) == kT0 + 50);
    BOOST_TEST(store->revokeByHand("acct_nobody", kT0 + 60) == 0u);
}

inline void list_installs_filters_and_orders(const StoreFactory& open)
{
    auto store = open();
    installAt(*store, "acct_A", kT0 + 10, true);  // live, active
    installAt(*store, "acct_B", kT0 + 40, false); // test, active
    installAt(*store, "acct_C", kT0 + 30, true);  // live, revoked below
    installAt(*store, "acct_D", kT0 + 20, false); // test, revoked below
    installAt(*store, "acct_E", kT0 + 40, true);  // live, active; same time as B
    store->revokeByHand("acct_C", kT0 + 100);
    store->revokeByHand("acct_D", kT0 + 100);
    using V = std::vector<std::string>;
    auto list = [&](std::optional<bool> active, std::optional<bool> livemode) {
        return accountsOf(store->listInstalls(InstallFilter{active, livemode}));
    };
    BOOST_TEST(list({}, {}) == (V{"acct_B/test", "acct_E/live", "acct_C/live", "acct_D/test", "acct_A/live"}),
               boost::test_tools::per_element());
    BOOST_TEST(list(true, {}) == (V{"acct_B/test", "acct_E/live", "acct_A/live"}), boost::test_tools::per_element());
    BOOST_TEST(list(false, {}) == (V{"acct_C/live", "acct_D/test"}), boost::test_tools::per_element());
    BOOST_TEST(list({}, true) == (V{"acct_E/live", "acct_C/live", "acct_A/live"}), boost::test_tools::per_element());
    BOOST_TEST(list({}, false) == (V{"acct_B/test", "acct_D/test"}), boost::test_tools::per_element());
    BOOST_TEST(list(true, false) == (V{"acct_B/test"}), boost::test_tools::per_element());
    BOOST_TEST(list(false, true) == (V{"acct_C/live"}), boost::test_tools::per_element());
    BOOST_TEST(store->findInstalls("acct_nobody").empty());
}

inline void save_state_purges_only_long_expired_states(const StoreFactory& open)
{
    auto store = open();
    store->saveState(makeState("old", "", kT0));                   // expires kT0 + 600
    store->saveState(makeState("older", "", kT0 - 1));             // expires kT0 + 599
    // created exactly an hour after "old" expired: "old" is kept, "older" goes
    store->saveState(makeState("new", "", kT0 + kTtl + 3600));
    const std::int64_t later = kT0 + kTtl + 3600;
    BOOST_TEST(code(consume(*store, "old", later, callbackInstall("acct_A")).outcome) == code(ConsumeOutcome::Expired));
    BOOST_TEST(code(consume(*store, "older", later, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Unknown));
    store->saveState(makeState("newer", "", later + 1));
    BOOST_TEST(code(consume(*store, "old", later + 1, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Unknown));
    BOOST_TEST(code(consume(*store, "new", later + 1, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Consumed));
}

inline void purge_expired_states_counts(const StoreFactory& open)
{
    auto store = open();
    store->saveState(makeState("a", "", kT0));       // expires kT0 + 600
    store->saveState(makeState("b", "", kT0 + 100)); // expires kT0 + 700
    store->saveState(makeState("c", "", kT0 + 200)); // expires kT0 + 800
    BOOST_TEST(store->purgeExpiredStates(kT0 + 600) == 0u); // strictly before
    BOOST_TEST(store->purgeExpiredStates(kT0 + 701) == 2u);
    BOOST_TEST(store->purgeExpiredStates(kT0 + 701) == 0u);
    BOOST_TEST(code(consume(*store, "a", kT0 + 1, callbackInstall("acct_A")).outcome) == code(ConsumeOutcome::Unknown));
    BOOST_TEST(code(consume(*store, "c", kT0 + 1, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Consumed));
}

// ---- The merchant's side: history, funnel, login failures, outbox ------------

inline Outbox& outboxOf(Store& store)
{
    auto* outbox = dynamic_cast<Outbox*>(&store);
    BOOST_REQUIRE_MESSAGE(outbox, "the store is not an si::Outbox");
    return *outbox;
}

/// Every outbox entry, oldest first.
inline std::vector<OutboxEntry> allEntries(Store& store)
{
    OutboxFilter filter;
    filter.limit = 1000;
    auto entries = outboxOf(store).list(filter);
    std::reverse(entries.begin(), entries.end());
    return entries;
}

inline std::vector<std::string> typesOf(const std::vector<OutboxEntry>& entries)
{
    std::vector<std::string> types;
    for (const auto& e : entries)
        types.push_back(e.notification.accountId + " " + toString(e.notification.type));
    return types;
}

inline std::vector<std::string> idsOf(const std::vector<OutboxEntry>& entries)
{
    std::vector<std::string> ids;
    for (const auto& e : entries)
        ids.push_back(e.notification.id);
    return ids;
}

inline void history_records_every_change(const StoreFactory& open, const StoreFactory&)
{
    auto store = open();
    installAt(*store, "acct_A", kT0);
    installAt(*store, "acct_A", kT0 + 10, true, "usr_2");
    store->applyWebhookEvent(makeEvent("evt_r", kDeauthorized, "acct_A", kT0 + 20), kT0 + 21);
    store->applyWebhookEvent(makeEvent("evt_dup", kDeauthorized, "acct_A", kT0 + 22), kT0 + 23); // stale: nothing
    store->applyWebhookEvent(makeEvent("evt_a", kAuthorized, "acct_A", kT0 + 30), kT0 + 31);
    store->applyWebhookEvent(makeEvent("evt_t", kAuthorized, "acct_A", kT0 + 40, false), kT0 + 41);
    BOOST_TEST(store->revokeByHand("acct_A", kT0 + 50, "admin") == 2u);
    installAt(*store, "acct_B", kT0 + 60);
    const std::vector<InstallEvent> history = store->installHistory("acct_A");
    std::vector<std::string> got;
    for (const auto& e : history)
        got.push_back(e.change + " " + e.by + " " + (e.livemode ? "live" : "test") + " " + std::to_string(e.at - kT0));
    const std::vector<std::string> expected = {
        "installed callback live 0",        "reinstalled callback live 10",     "revoked webhook:evt_r live 21",
        "reactivated webhook:evt_a live 31", "installed webhook:evt_t test 41", "revoked admin test 50",
        "revoked admin live 50"}; // newest install first
    BOOST_TEST(got == expected, boost::test_tools::per_element());
    BOOST_TEST(store->findInstalls("acct_A").at(0).revokedBy == "admin");
    BOOST_TEST(store->installHistory("acct_nobody").empty());
    BOOST_TEST(store->revokeByHand("acct_B", kT0 + 70) == 1u);
    BOOST_TEST(store->installHistory("acct_B").back().by == "cli");
    BOOST_TEST(store->findInstalls("acct_B").at(0).revokedBy == "cli");
}

inline void funnel_counts_per_utc_day(const StoreFactory& open, const StoreFactory&)
{
    auto store = open();
    const std::int64_t day1 = 1'700'006'400; // 2023-11-15T00:00:00Z
    BOOST_TEST(utcDay(day1) == "2023-11-15");
    BOOST_TEST(utcDay(day1 - 1) == "2023-11-14");
    store->countFunnel(day1 - 1, "page_view", "");
    store->countFunnel(day1, "page_view", "");
    store->countFunnel(day1 + 100, "page_view", "");
    store->countFunnel(day1 + 200, "failed", "state_expired");
    store->countFunnel(day1 + 300, "failed", "bad_signature");
    store->countFunnel(day1 + 400, "failed", "state_expired");
    installAt(*store, "acct_A", day1 + 500);                               // installed
    installAt(*store, "acct_A", day1 + 86400, true, "usr_2");              // a re-install counts too
    store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", day1 + 86401), day1 + 86402); // revoked
    store->applyWebhookEvent(makeEvent("evt_2", kAuthorized, "acct_B", day1 + 86403), day1 + 86404);   // not counted
    BOOST_TEST(store->revokeByHand("acct_B", day1 + 86405) == 1u);                                      // revoked
    std::vector<std::string> got;
    for (const FunnelCount& c : store->funnel("2023-11-15"))
        got.push_back(c.day + " " + c.metric + " " + c.reason + " " + std::to_string(c.count));
    const std::vector<std::string> expected = {
        "2023-11-15 failed bad_signature 1", "2023-11-15 failed state_expired 2", "2023-11-15 installed  1",
        "2023-11-15 page_view  2",           "2023-11-16 installed  1",           "2023-11-16 revoked  2"};
    BOOST_TEST(got == expected, boost::test_tools::per_element());
    BOOST_TEST(store->funnel("2023-11-14").size() == expected.size() + 1);
    BOOST_TEST(store->funnel("2023-11-17").empty());
}

// The install page counts its view with the state it mints, in one write.
inline void saving_a_state_counts_its_funnel_metric(const StoreFactory& open, const StoreFactory&)
{
    auto store = open();
    const std::int64_t day1 = 1'700'006'400; // 2023-11-15T00:00:00Z
    StateRecord viewed = makeState("viewed", "", day1 + 10);
    viewed.funnelMetric = "page_view";
    StateRecord started = makeState("started", "r", day1 + 20);
    started.funnelMetric = "start";
    store->saveState(viewed);
    store->saveState(started);
    store->saveState(makeState("uncounted", "", day1 + 30)); // a HEAD request: no metric
    std::vector<std::string> got;
    for (const FunnelCount& c : store->funnel("2023-11-15"))
        got.push_back(c.day + " " + c.metric + " " + c.reason + " " + std::to_string(c.count));
    const std::vector<std::string> expected = {"2023-11-15 page_view  1", "2023-11-15 start  1"};
    BOOST_TEST(got == expected, boost::test_tools::per_element());
    // The states themselves were stored: each can be consumed once.
    const ConsumeResult result =
        store->consumeStateAndRecordInstall("state-viewed", kBrowser, day1 + 40, callbackInstall("acct_V"));
    BOOST_TEST(code(result.outcome) == code(ConsumeOutcome::Consumed));
}

inline void login_failures_are_per_client_and_shared(const StoreFactory& open, const StoreFactory&)
{
    auto a = open();
    auto b = open();
    a->recordLoginFailure("10.0.0.1", kT0);
    b->recordLoginFailure("10.0.0.1", kT0 + 5);
    a->recordLoginFailure("10.0.0.2", kT0 + 6);
    BOOST_TEST(b->loginFailuresSince("10.0.0.1", kT0) == (std::vector<std::int64_t>{kT0, kT0 + 5}),
               boost::test_tools::per_element());
    BOOST_TEST(a->loginFailuresSince("10.0.0.1", kT0 + 1) == (std::vector<std::int64_t>{kT0 + 5}),
               boost::test_tools::per_element());
    b->clearLoginFailures("10.0.0.1");
    BOOST_TEST(a->loginFailuresSince("10.0.0.1", 0).empty());
    BOOST_TEST(a->loginFailuresSince("10.0.0.2", 0).size() == 1u);
}

inline void outbox_entry_exists_iff_the_change_committed(const StoreFactory& open, const StoreFactory& openNotifying)
{
    auto quiet = open(); // [notify] not set: changes, no entries
    installAt(*quiet, "acct_Q", kT0);
    BOOST_TEST(allEntries(*quiet).empty());

    auto store = openNotifying();
    const Install first = installAt(*store, "acct_A", kT0 + 1, true, "usr_1", "ref-1");
    std::vector<OutboxEntry> entries = allEntries(*store);
    BOOST_REQUIRE(entries.size() == 1u);
    const OutboxEntry& created = entries[0];
    BOOST_TEST(looksLikeNotificationId(created.notification.id));
    BOOST_TEST(toString(created.notification.type) == "install.created");
    BOOST_TEST(toString(created.status) == "pending");
    BOOST_TEST(created.attempts == 0);
    BOOST_TEST(created.createdAt == kT0 + 1);
    BOOST_TEST(created.nextAttemptAt == kT0 + 1);
    BOOST_TEST(!created.leaseUntil.has_value());
    BOOST_TEST(created.body == notificationJson(makeNotification(created.notification.id,
                                                                 NotificationType::InstallCreated, first, kT0 + 1)));
    BOOST_TEST(created.notification.ref == "ref-1");

    // Outcomes that change nothing enqueue nothing.
    BOOST_TEST(code(consume(*store, "acct_A-live-" + std::to_string(kT0 + 1) + "-usr_1", kT0 + 2,
                            callbackInstall("acct_A"))
                        .outcome) == code(ConsumeOutcome::AlreadyUsed));
    store->saveState(makeState("other", "", kT0 + 2));
    BOOST_TEST(code(consume(*store, "other", kT0 + 3, callbackInstall("acct_A"), kOtherBrowser).outcome) ==
               code(ConsumeOutcome::OtherBrowser));
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_old", kDeauthorized, "acct_A", kT0), kT0 + 4)) ==
               code(WebhookEffect::Stale));
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_none", kDeauthorized, "acct_X", kT0), kT0 + 4)) ==
               code(WebhookEffect::NoInstall));
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_known", kAuthorized, "acct_A", kT0 + 4), kT0 + 4)) ==
               code(WebhookEffect::Recorded)); // known already: nothing a receiver cares about
    BOOST_TEST(store->revokeByHand("acct_nobody", kT0 + 4) == 0u);
    BOOST_TEST(allEntries(*store).size() == 1u);

    // Each committed change: exactly one entry, of the right type.
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_rev", kDeauthorized, "acct_A", kT0 + 5), kT0 + 6)) ==
               code(WebhookEffect::Revoked));
    BOOST_TEST(code(store->applyWebhookEvent(makeEvent("evt_rev", kDeauthorized, "acct_A", kT0 + 5), kT0 + 7)) ==
               code(WebhookEffect::Duplicate));
    installAt(*store, "acct_A", kT0 + 8, true, "usr_1", "ref-1"); // re-install
    installAt(*store, "acct_A", kT0 + 9, true, "usr_1", "ref-1"); // same details: nothing new
    installAt(*store, "acct_A", kT0 + 10, true, "usr_2", "ref-1"); // another user: updated
    BOOST_TEST(store->revokeByHand("acct_A", kT0 + 11, "admin") == 1u);
    store->applyWebhookEvent(makeEvent("evt_new", kAuthorized, "acct_W", kT0 + 12, false), kT0 + 12);
    entries = allEntries(*store);
    const std::vector<std::string> expected = {"acct_A install.created", "acct_A install.revoked",
                                               "acct_A install.updated", "acct_A install.updated",
                                               "acct_A install.revoked", "acct_W install.created"};
    BOOST_TEST(typesOf(entries) == expected, boost::test_tools::per_element());
    BOOST_TEST(entries.back().notification.livemode == false);
    BOOST_TEST(entries[4].notification.userId == "usr_2");

    // Of concurrent consumers of one state, only the winner's change commits,
    // and so exactly one entry is added.
    openNotifying()->saveState(makeState("race"));
    constexpr int kThreads = 8;
    std::vector<std::unique_ptr<Store>> stores(kThreads);
    const std::vector<std::string> errors = runTogether(
        kThreads, [&](int i) { stores[i] = openNotifying(); },
        [&](int i) { consume(*stores[i], "race", kT0 + 20, callbackInstall("acct_race", true, "usr_" + std::to_string(i))); });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    entries = allEntries(*store);
    BOOST_TEST(entries.size() == expected.size() + 1);
    BOOST_TEST(entries.back().notification.userId == store->findInstalls("acct_race").at(0).userId);
}

inline void outbox_claim_is_exclusive_between_stores(const StoreFactory&, const StoreFactory& openNotifying)
{
    auto a = openNotifying();
    auto b = openNotifying();
    installAt(*a, "acct_A", kT0);
    const std::string id = allEntries(*a).at(0).notification.id;
    BOOST_TEST(outboxOf(*b).due(kT0, 10).size() == 1u);
    BOOST_TEST(outboxOf(*a).claim(id, kT0, 60));
    BOOST_TEST(!outboxOf(*b).claim(id, kT0 + 1, 60)); // leased by a
    BOOST_TEST(outboxOf(*b).due(kT0 + 1, 10).empty());
    BOOST_TEST(outboxOf(*b).claim(id, kT0 + 60, 60)); // a's lease ran out (a crashed)
    outboxOf(*b).markDelivered(id, kT0 + 61);
    BOOST_TEST(!outboxOf(*a).claim(id, kT0 + 200, 60)); // delivered: never again
    const OutboxEntry done = allEntries(*a).at(0);
    BOOST_TEST(toString(done.status) == "delivered");
    BOOST_TEST(done.attempts == 1);
    BOOST_TEST(done.deliveredAt.value_or(0) == kT0 + 61);
    BOOST_TEST(!done.leaseUntil.has_value());

    // Many connections racing for one entry: exactly one wins.
    installAt(*a, "acct_B", kT0 + 300);
    const std::string raced = allEntries(*a).back().notification.id;
    constexpr int kThreads = 8;
    std::vector<std::unique_ptr<Store>> stores(kThreads);
    std::atomic<int> wins{0};
    const std::vector<std::string> errors = runTogether(
        kThreads, [&](int i) { stores[i] = openNotifying(); },
        // No Boost.Test assertion off the main thread (outboxOf has one): its
        // state is not thread-safe (ThreadSanitizer: a race on its message).
        [&](int i) { wins += dynamic_cast<Outbox&>(*stores[i]).claim(raced, kT0 + 301, 60) ? 1 : 0; });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    BOOST_TEST(wins.load() == 1);
}

inline void outbox_due_keeps_per_account_order(const StoreFactory&, const StoreFactory& openNotifying)
{
    auto store = openNotifying();
    Outbox& outbox = outboxOf(*store);
    installAt(*store, "acct_A", kT0);                                                        // A1
    installAt(*store, "acct_B", kT0);                                                        // B1 (same second)
    store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", kT0 + 1), kT0 + 2); // A2
    installAt(*store, "acct_A", kT0 + 3);                                                    // A3
    const std::vector<OutboxEntry> all = allEntries(*store);
    BOOST_REQUIRE(all.size() == 4u);
    const std::string a1 = all[0].notification.id, b1 = all[1].notification.id, a2 = all[2].notification.id,
                      a3 = all[3].notification.id;
    BOOST_TEST(idsOf(outbox.due(kT0 + 10, 10)) == (std::vector<std::string>{a1, b1}), boost::test_tools::per_element());
    BOOST_TEST(idsOf(outbox.due(kT0 + 10, 1)) == (std::vector<std::string>{a1}), boost::test_tools::per_element());
    BOOST_TEST(outbox.due(kT0 - 1, 10).empty()); // not yet due

    // A1 fails and waits: A's later entries wait behind it, B goes on.
    BOOST_TEST(outbox.claim(a1, kT0 + 10, 60));
    BOOST_TEST(idsOf(outbox.due(kT0 + 10, 10)) == (std::vector<std::string>{b1}), boost::test_tools::per_element());
    outbox.markFailedAttempt(a1, kT0 + 11, kT0 + 100, "HTTP 500");
    BOOST_TEST(idsOf(outbox.due(kT0 + 50, 10)) == (std::vector<std::string>{b1}), boost::test_tools::per_element());
    BOOST_TEST(!outbox.claim(a1, kT0 + 50, 60)); // not due again yet
    OutboxFilter pending;
    pending.status = OutboxStatus::Pending;
    const auto failedOnce = outbox.list(pending);
    BOOST_REQUIRE(!failedOnce.empty());
    for (const auto& e : failedOnce)
        if (e.notification.id == a1) {
            BOOST_TEST(e.attempts == 1);
            BOOST_TEST(e.lastError == "HTTP 500");
            BOOST_TEST(e.nextAttemptAt == kT0 + 100);
            BOOST_TEST(!e.leaseUntil.has_value());
        }
    // Once A1 is through, A2 is next (then A3): creation order per account.
    BOOST_TEST(outbox.claim(a1, kT0 + 100, 60));
    outbox.markDelivered(a1, kT0 + 101);
    BOOST_TEST(idsOf(outbox.due(kT0 + 101, 10)) == (std::vector<std::string>{b1, a2}), boost::test_tools::per_element());
    BOOST_TEST(outbox.claim(a2, kT0 + 101, 60));
    BOOST_TEST(idsOf(outbox.due(kT0 + 102, 10)) == (std::vector<std::string>{b1}), boost::test_tools::per_element());
    outbox.markFailedAttempt(a2, kT0 + 102, std::nullopt, "gave up"); // failed: no longer blocks
    BOOST_TEST(idsOf(outbox.due(kT0 + 102, 10)) == (std::vector<std::string>{b1, a3}), boost::test_tools::per_element());
}

inline void outbox_delivers_in_order_and_gives_up(const StoreFactory&, const StoreFactory& openNotifying)
{
    auto store = openNotifying();
    Outbox& outbox = outboxOf(*store);
    installAt(*store, "acct_A", kT0);
    store->applyWebhookEvent(makeEvent("evt_1", kDeauthorized, "acct_A", kT0 + 1), kT0 + 2);
    installAt(*store, "acct_A", kT0 + 3);
    const std::vector<std::string> ids = idsOf(allEntries(*store));

    struct Recorder : NotificationSender {
        std::vector<std::string> sent;
        bool accept = false;
        DeliveryAttempt deliver(const OutboxEntry& entry) override
        {
            sent.push_back(entry.notification.id);
            return accept ? DeliveryAttempt{true, ""} : DeliveryAttempt{false, "connection refused"};
        }
    } sender;
    std::int64_t now = kT0 + 10;
    const auto clock = [&now] { return now; };
    DeliverySummary summary = deliverDue(outbox, sender, clock); // the receiver is down
    BOOST_TEST(summary.retrying == 1u);
    BOOST_TEST(sender.sent == (std::vector<std::string>{ids[0]}), boost::test_tools::per_element());
    BOOST_TEST(deliverDue(outbox, sender, clock).delivered == 0u); // backing off: nothing due
    BOOST_TEST(sender.sent.size() == 1u);
    sender.accept = true;
    now += 30; // past the first delay
    summary = deliverDue(outbox, sender, clock);
    BOOST_TEST(summary.delivered == 1u); // the next of the account waits for the next run
    summary = deliverDue(outbox, sender, clock);
    summary = deliverDue(outbox, sender, clock);
    BOOST_TEST(deliverDue(outbox, sender, clock).delivered == 0u);
    BOOST_TEST(sender.sent == (std::vector<std::string>{ids[0], ids[0], ids[1], ids[2]}),
               boost::test_tools::per_element());
    OutboxFilter delivered;
    delivered.status = OutboxStatus::Delivered;
    BOOST_TEST(outbox.list(delivered).size() == 3u);

    // A receiver that never accepts: given up after the schedule, then "failed".
    installAt(*store, "acct_F", now);
    sender.accept = false;
    DeliveryOptions options;
    options.schedule.delays = {1};
    options.schedule.maxAttempts = 3;
    for (int i = 0; i < 5; ++i, now += 2)
        deliverDue(outbox, sender, clock, options);
    OutboxFilter failed;
    failed.status = OutboxStatus::Failed;
    const auto gaveUp = outbox.list(failed);
    BOOST_REQUIRE(gaveUp.size() == 1u);
    BOOST_TEST(gaveUp[0].notification.accountId == "acct_F");
    BOOST_TEST(gaveUp[0].attempts == 3);
    BOOST_TEST(gaveUp[0].lastError == "connection refused");
    BOOST_TEST(outbox.due(now + 100000, 10).empty());
    OutboxFilter forAccount;
    forAccount.accountId = "acct_F";
    BOOST_TEST(outbox.list(forAccount).size() == 1u);
}

// ---- Several connections at once ----------------------------------------------

inline void concurrent_consumers_have_one_winner(const StoreFactory& open)
{
    open()->saveState(makeState("race", "raced"));
    constexpr int kThreads = 16;
    std::vector<std::unique_ptr<Store>> stores(kThreads);
    std::vector<std::string> outcomes(kThreads);
    const std::vector<std::string> errors = runTogether(
        kThreads, [&](int i) { stores[i] = open(); },
        [&](int i) {
            const Install install = callbackInstall("acct_race", true, "usr_" + std::to_string(i));
            outcomes[i] = code(consume(*stores[i], "race", kT0 + 1, install).outcome);
        });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    int consumed = 0;
    int used = 0;
    std::string winner;
    for (int i = 0; i < kThreads; ++i) {
        if (outcomes[i] == code(ConsumeOutcome::Consumed)) {
            ++consumed;
            winner = "usr_" + std::to_string(i);
        }
        used += outcomes[i] == code(ConsumeOutcome::AlreadyUsed) ? 1 : 0;
    }
    BOOST_TEST(consumed == 1);
    BOOST_TEST(used == kThreads - 1);
    const std::vector<Install> stored = open()->findInstalls("acct_race");
    BOOST_REQUIRE(stored.size() == 1u);
    BOOST_TEST(stored[0].userId == winner);
    BOOST_TEST(stored[0].ref == "raced");
}

inline void threads_sharing_one_store_write_as_if_one_at_a_time(const StoreFactory& open)
{
    // One store (one connection) used by many threads, as a FastCGI process
    // does: on SQLite their writes are committed in batches (group commit).
    auto store = open();
    constexpr int kThreads = 8;
    constexpr int kRounds = 40;
    std::atomic<int> consumed{0};
    std::atomic<int> sharedApplied{0};
    std::atomic<int> raceWins{0};
    for (int r = 0; r < kRounds; ++r)
        store->saveState(makeState("race-" + std::to_string(r)));
    const std::vector<std::string> errors = runTogether(
        kThreads, [](int) {},
        [&](int t) {
            for (int r = 0; r < kRounds; ++r) {
                const std::string token = "t" + std::to_string(t) + "-" + std::to_string(r);
                const std::string account = "acct_" + token;
                store->saveState(makeState(token, "ref-" + token, kT0 + r));
                if (consume(*store, token, kT0 + r, callbackInstall(account)).outcome == ConsumeOutcome::Consumed)
                    ++consumed;
                if (consume(*store, "race-" + std::to_string(r), kT0 + r, callbackInstall("acct_race")).outcome ==
                    ConsumeOutcome::Consumed)
                    ++raceWins;
                if (store->applyWebhookEvent(makeEvent("evt_shared", kDeauthorized, "acct_none", kT0), kT0 + r) !=
                    WebhookEffect::Duplicate)
                    ++sharedApplied;
                if (r % 2 == 0 && store->applyWebhookEvent(makeEvent("evt_" + token, kDeauthorized, account, kT0 + r),
                                                           kT0 + r) != WebhookEffect::Revoked)
                    throw std::runtime_error("not revoked: " + account);
            }
        });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    BOOST_TEST(consumed.load() == kThreads * kRounds);
    BOOST_TEST(raceWins.load() == kRounds); // each raced state consumed once
    BOOST_TEST(sharedApplied.load() == 1);  // one event id applied once
    auto fresh = open();
    BOOST_TEST(fresh->listInstalls(InstallFilter{true, {}}).size() == kThreads * kRounds / 2u + 1u);
    BOOST_TEST(fresh->listInstalls(InstallFilter{false, {}}).size() == kThreads * kRounds / 2u);
    const std::vector<Install> mine = fresh->findInstalls("acct_t3-7");
    BOOST_REQUIRE(mine.size() == 1u);
    BOOST_TEST(mine[0].ref == "ref-t3-7");
    BOOST_TEST(fresh->installHistory("acct_t3-8").size() == 2u); // installed, revoked
}

inline void two_connections_interleave_writes(const StoreFactory& open)
{
    auto a = open();
    auto b = open();
    // each sees what the other wrote
    a->saveState(makeState("a1"));
    b->saveState(makeState("b1"));
    BOOST_TEST(code(consume(*b, "a1", kT0 + 1, callbackInstall("acct_A")).outcome) == code(ConsumeOutcome::Consumed));
    BOOST_TEST(code(consume(*a, "b1", kT0 + 1, callbackInstall("acct_B")).outcome) == code(ConsumeOutcome::Consumed));
    BOOST_TEST(code(consume(*a, "a1", kT0 + 2, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::AlreadyUsed));
    const WebhookEvent revoke = makeEvent("evt_1", kDeauthorized, "acct_A", kT0 + 5);
    BOOST_TEST(code(a->applyWebhookEvent(revoke, kT0 + 6)) == code(WebhookEffect::Revoked));
    BOOST_TEST(code(b->applyWebhookEvent(revoke, kT0 + 7)) == code(WebhookEffect::Duplicate));
    BOOST_TEST(!b->findInstalls("acct_A").at(0).active());

    // then both write flat out at once: writers queue, none fails as locked
    constexpr int kRounds = 150;
    Store* stores[] = {a.get(), b.get()};
    std::vector<int> consumed(2, 0);
    const std::vector<std::string> errors = runTogether(
        2, [](int) {},
        [&](int w) {
            Store& store = *stores[w];
            for (int i = 0; i < kRounds; ++i) {
                const std::string token = "w" + std::to_string(w) + "-" + std::to_string(i);
                const std::string account = "acct_" + token;
                store.saveState(makeState(token, "", kT0 + i));
                if (consume(store, token, kT0 + i, callbackInstall(account)).outcome == ConsumeOutcome::Consumed)
                    ++consumed[w];
                store.applyWebhookEvent(makeEvent("evt_" + token, kDeauthorized, account, kT0 + i), kT0 + i);
                store.listInstalls(InstallFilter{true, {}});
            }
        });
    BOOST_CHECK_MESSAGE(errors.empty(), "first error: " << (errors.empty() ? "" : errors.front()));
    BOOST_TEST(consumed[0] == kRounds);
    BOOST_TEST(consumed[1] == kRounds);
    BOOST_TEST(a->listInstalls(InstallFilter{false, {}}).size() == 2u * kRounds + 1u);
    BOOST_TEST(b->listInstalls(InstallFilter{true, {}}).size() == 1u); // acct_B
}

inline void failed_outbox_insert_rolls_back_the_install(const StoreFactory& openNotifying, const RunSql& runSql)
{
    // The install change and its notification commit together: when the
    // outbox row cannot be written, the install is not recorded and the
    // state stays unused (the visitor can retry).
    auto store = openNotifying();
    store->saveState(makeState("t1"));
    runSql("ALTER TABLE notification_outbox RENAME TO notification_outbox_away");
    checkStoreError([&] { consume(*store, "t1", kT0 + 1, callbackInstall("acct_A")); }, "notification_outbox");
    BOOST_TEST(store->findInstalls("acct_A").empty());
    BOOST_TEST(store->installHistory("acct_A").empty());
    runSql("ALTER TABLE notification_outbox_away RENAME TO notification_outbox");
    BOOST_TEST(code(consume(*store, "t1", kT0 + 2, callbackInstall("acct_A")).outcome) ==
               code(ConsumeOutcome::Consumed));
    BOOST_TEST(allEntries(*store).size() == 1u);
}

} // namespace storetest
} // namespace si

#define SI_STORE_TEST_CASE(Fixture, name) \
    BOOST_FIXTURE_TEST_CASE(name, Fixture) { ::si::storetest::name(open); }

/// Registers every shared case in the current test suite, each as its own
/// Boost test case named after the function above.
#define SI_STORE_TEST_CASE_NOTIFYING(Fixture, name) \
    BOOST_FIXTURE_TEST_CASE(name, Fixture) { ::si::storetest::name(open, openNotifying); }

/// A case that also needs the fixture's raw() session.
#define SI_STORE_TEST_CASE_RAW_SQL(Fixture, name)                                                   \
    BOOST_FIXTURE_TEST_CASE(name, Fixture)                                                          \
    {                                                                                               \
        ::si::storetest::name(openNotifying, [this](const std::string& sql) {                       \
            raw()->exec(sql);                                                                       \
        });                                                                                         \
    }

#define SI_SHARED_STORE_TEST_CASES(Fixture)                                            \
    SI_STORE_TEST_CASE(Fixture, consume_records_install_with_ref)                      \
    SI_STORE_TEST_CASE(Fixture, second_consume_is_already_used)                        \
    SI_STORE_TEST_CASE(Fixture, expired_state_is_expired)                              \
    SI_STORE_TEST_CASE(Fixture, other_browser_does_not_consume)                        \
    SI_STORE_TEST_CASE(Fixture, unknown_state_is_unknown)                              \
    SI_STORE_TEST_CASE(Fixture, reinstall_updates_row_and_clears_revocation)           \
    SI_STORE_TEST_CASE(Fixture, live_and_test_installs_are_distinct)                   \
    SI_STORE_TEST_CASE(Fixture, webhook_revokes_install)                               \
    SI_STORE_TEST_CASE(Fixture, webhook_duplicate_event_changes_nothing)               \
    SI_STORE_TEST_CASE(Fixture, webhook_revoke_older_than_install_is_stale)            \
    SI_STORE_TEST_CASE(Fixture, webhook_revoke_of_revoked_install_is_stale)            \
    SI_STORE_TEST_CASE(Fixture, webhook_revoke_without_install)                        \
    SI_STORE_TEST_CASE(Fixture, webhook_other_types_are_ignored_once)                  \
    SI_STORE_TEST_CASE(Fixture, webhook_records_new_install)                           \
    SI_STORE_TEST_CASE(Fixture, webhook_record_of_known_install_changes_nothing)       \
    SI_STORE_TEST_CASE(Fixture, webhook_record_reactivates_unless_older_than_revocation) \
    SI_STORE_TEST_CASE(Fixture, revoke_by_hand_revokes_both_modes)                     \
    SI_STORE_TEST_CASE(Fixture, list_installs_filters_and_orders)                      \
    SI_STORE_TEST_CASE(Fixture, save_state_purges_only_long_expired_states)            \
    SI_STORE_TEST_CASE(Fixture, purge_expired_states_counts)                           \
    SI_STORE_TEST_CASE(Fixture, concurrent_consumers_have_one_winner)                  \
    SI_STORE_TEST_CASE(Fixture, threads_sharing_one_store_write_as_if_one_at_a_time)   \
    SI_STORE_TEST_CASE(Fixture, two_connections_interleave_writes)                     \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, history_records_every_change)                \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, funnel_counts_per_utc_day)                   \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, saving_a_state_counts_its_funnel_metric)      \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, login_failures_are_per_client_and_shared)    \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, outbox_entry_exists_iff_the_change_committed) \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, outbox_claim_is_exclusive_between_stores)    \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, outbox_due_keeps_per_account_order)          \
    SI_STORE_TEST_CASE_NOTIFYING(Fixture, outbox_delivers_in_order_and_gives_up)       \
    SI_STORE_TEST_CASE_RAW_SQL(Fixture, failed_outbox_insert_rolls_back_the_install)
