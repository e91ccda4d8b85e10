#pragma once
// The shared Store test suite: every Store implementation runs these same
// cases unchanged. A store's test file defines a fixture with a member
//     si::storetest::StoreFactory open;
// and, inside its own BOOST_AUTO_TEST_SUITE, writes
//     SI_SHARED_STORE_TEST_CASES(TheFixture)
// Each call of `open` returns a new connection (its own Store) to the one
// database of the test case, which is empty when the case starts; `open`
// must be callable from several threads at once.
#include <boost/test/unit_test.hpp>

#include "core/Stores.h"

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

constexpr std::int64_t kT0 = 1'700'000'000; ///< a fixed "now" (Unix seconds)
constexpr std::int64_t kTtl = 600;
const std::string kBrowser = "browser-hash-a";
const std::string kOtherBrowser = "browser-hash-b";
const std::string kDeauthorized = "account.application.deauthorized";
const std::string kAuthorized = "account.application.authorized";

inline StateRecord makeState(const std::string& token, const std::string& ref = "",
                             std::int64_t createdAt = kT0, const std::string& browser = kBrowser)
{
    return StateRecord{"state-" + token, browser, ref, createdAt, createdAt + kTtl};
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

} // namespace storetest
} // namespace si

#define SI_STORE_TEST_CASE(Fixture, name) \
    BOOST_FIXTURE_TEST_CASE(name, Fixture) { ::si::storetest::name(open); }

/// Registers every shared case in the current test suite, each as its own
/// Boost test case named after the function above.
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
    SI_STORE_TEST_CASE(Fixture, two_connections_interleave_writes)
