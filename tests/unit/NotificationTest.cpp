#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include "core/Notification.h"
#include "core/Outbox.h"
#include "core/SignatureVerifier.h"

namespace {

class FixedRandom : public si::RandomSource {
public:
    explicit FixedRandom(unsigned char byte) : _byte(byte) {}
    void fill(unsigned char* bytes, std::size_t size) override { std::memset(bytes, _byte, size); }

private:
    unsigned char _byte;
};

si::Install activeInstall()
{
    si::Install install;
    install.accountId = "acct_1A2b3C4d";
    install.userId = "usr_9";
    install.livemode = false;
    install.ref = "campaign-7";
    install.installedAt = 1700000000;
    return install;
}

si::Notification sample()
{
    return si::makeNotification("ntf_0123456789abcdef0123456789abcdef", si::NotificationType::InstallCreated,
                                activeInstall(), 1700000100);
}

/// The outbox semantics a store must have, in memory: the reference the
/// SQL store's shared tests can mirror.
class MemoryOutbox : public si::Outbox {
public:
    std::vector<si::OutboxEntry> rows; // insertion order
    int claimsToSteal = 0;             // pretend another process wins this many claims

    void enqueue(const si::Notification& n) { rows.push_back(si::newOutboxEntry(n)); }
    si::OutboxEntry& row(const std::string& id)
    {
        for (auto& r : rows)
            if (r.notification.id == id)
                return r;
        throw std::logic_error("no row " + id);
    }

    std::vector<si::OutboxEntry> due(std::int64_t now, std::size_t limit) override
    {
        std::vector<si::OutboxEntry> out;
        std::vector<std::string> blocked; // accounts with an earlier pending entry
        auto sorted = rows;
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const auto& a, const auto& b) { return a.createdAt < b.createdAt; });
        for (const auto& r : sorted) {
            if (r.status != si::OutboxStatus::Pending)
                continue;
            const auto& account = r.notification.accountId;
            const bool isHead = std::find(blocked.begin(), blocked.end(), account) == blocked.end();
            blocked.push_back(account);
            if (isHead && r.nextAttemptAt <= now && (!r.leaseUntil || *r.leaseUntil <= now) && out.size() < limit)
                out.push_back(r);
        }
        return out;
    }
    bool claim(const std::string& id, std::int64_t now, std::int64_t leaseSeconds) override
    {
        auto& r = row(id);
        if (claimsToSteal > 0) {
            --claimsToSteal;
            r.leaseUntil = now + leaseSeconds;
            return false;
        }
        if (r.status != si::OutboxStatus::Pending || r.nextAttemptAt > now || (r.leaseUntil && *r.leaseUntil > now))
            return false;
        r.leaseUntil = now + leaseSeconds;
        return true;
    }
    void markDelivered(const std::string& id, std::int64_t now) override
    {
        auto& r = row(id);
        r.status = si::OutboxStatus::Delivered;
        r.deliveredAt = now;
        r.leaseUntil.reset();
        ++r.attempts;
    }
    void markFailedAttempt(const std::string& id, std::int64_t, std::optional<std::int64_t> next,
                           const std::string& error) override
    {
        auto& r = row(id);
        ++r.attempts;
        r.lastError = error;
        r.leaseUntil.reset();
        if (next)
            r.nextAttemptAt = *next;
        else
            r.status = si::OutboxStatus::Failed;
    }
    std::vector<si::OutboxEntry> list(const si::OutboxFilter&) override { return rows; }
};

/// Accepts or refuses by a script of answers; records what it was given.
class ScriptedSender : public si::NotificationSender {
public:
    std::vector<bool> answers; // consumed front first; empty = accept
    bool throwInstead = false;
    std::vector<std::string> sent;

    si::DeliveryAttempt deliver(const si::OutboxEntry& entry) override
    {
        sent.push_back(entry.notification.id);
        if (throwInstead)
            throw std::runtime_error("boom\nsecond line");
        bool ok = true;
        if (!answers.empty()) {
            ok = answers.front();
            answers.erase(answers.begin());
        }
        return ok ? si::DeliveryAttempt{true, ""} : si::DeliveryAttempt{false, "HTTP 500"};
    }
};

si::Notification notificationFor(const std::string& id, const std::string& account, std::int64_t time)
{
    si::Install install = activeInstall();
    install.accountId = account;
    return si::makeNotification(id, si::NotificationType::InstallCreated, install, time);
}

} // namespace

BOOST_AUTO_TEST_SUITE(NotificationTest)

BOOST_AUTO_TEST_CASE(types_have_stable_wire_names)
{
    BOOST_TEST(si::toString(si::NotificationType::InstallCreated) == "install.created");
    BOOST_TEST(si::toString(si::NotificationType::InstallUpdated) == "install.updated");
    BOOST_TEST(si::toString(si::NotificationType::InstallRevoked) == "install.revoked");
    BOOST_TEST((si::parseNotificationType("install.revoked") == si::NotificationType::InstallRevoked));
    BOOST_TEST(!si::parseNotificationType("install.deleted").has_value());
}

BOOST_AUTO_TEST_CASE(ids_are_ntf_and_128_bits_of_hex)
{
    FixedRandom random(0xAB);
    const std::string id = si::mintNotificationId(random);
    BOOST_TEST(id == "ntf_abababababababababababababababab");
    BOOST_TEST(si::looksLikeNotificationId(id));
    si::SystemRandom system;
    BOOST_TEST(si::mintNotificationId(system) != si::mintNotificationId(system));
    BOOST_TEST(!si::looksLikeNotificationId("ntf_ABABABABABABABABABABABABABABABAB"));
    BOOST_TEST(!si::looksLikeNotificationId("evt_abababababababababababababababab"));
}

BOOST_AUTO_TEST_CASE(json_body_has_a_stable_key_order)
{
    BOOST_TEST(si::notificationJson(sample()) ==
               R"({"id":"ntf_0123456789abcdef0123456789abcdef","object":"notification","type":"install.created",)"
               R"("account_id":"acct_1A2b3C4d","user_id":"usr_9","livemode":false,"ref":"campaign-7","time":1700000100})");
}

BOOST_AUTO_TEST_CASE(unknown_user_and_ref_are_null_and_text_is_escaped)
{
    si::Install install = activeInstall();
    install.userId = "";
    install.ref = "";
    install.accountId = "acct_\"x\"\n";
    const auto n = si::makeNotification("ntf_x", si::NotificationType::InstallRevoked, install, 5);
    BOOST_TEST(si::notificationJson(n) ==
               R"({"id":"ntf_x","object":"notification","type":"install.revoked","account_id":"acct_\"x\"\n",)"
               R"("user_id":null,"livemode":false,"ref":null,"time":5})");
}

BOOST_AUTO_TEST_CASE(signature_verifies_as_a_stripe_webhook_signature)
{
    const std::string body = si::notificationJson(sample());
    const std::string header = si::notificationSignatureHeader(body, "whsec_notify", 1700000200);
    BOOST_TEST(header.rfind("t=1700000200,v1=", 0) == 0u);
    si::SignaturePolicy policy{{"whsec_notify"}, 1700000210, 300};
    BOOST_TEST(si::verifySignature(body, header, policy).ok());
    BOOST_TEST(!si::verifySignature(body + " ", header, policy).ok());
    policy.secrets = {"whsec_other"};
    BOOST_TEST(!si::verifySignature(body, header, policy).ok());
}

BOOST_AUTO_TEST_CASE(type_follows_the_install_change)
{
    si::Install active = activeInstall();
    si::Install revoked = active;
    revoked.revokedAt = 1700000500;
    using T = si::NotificationType;
    BOOST_TEST((si::notificationTypeFor(std::nullopt, active) == T::InstallCreated));
    BOOST_TEST((si::notificationTypeFor(active, revoked) == T::InstallRevoked));
    BOOST_TEST((si::notificationTypeFor(revoked, active) == T::InstallUpdated));
    BOOST_TEST(!si::notificationTypeFor(revoked, revoked).has_value());
    BOOST_TEST(!si::notificationTypeFor(active, active).has_value());
    si::Install newRef = active;
    newRef.ref = "other";
    BOOST_TEST((si::notificationTypeFor(active, newRef) == T::InstallUpdated));
    si::Install learntUser = active;
    learntUser.userId = "usr_10";
    BOOST_TEST((si::notificationTypeFor(active, learntUser) == T::InstallUpdated));
}

BOOST_AUTO_TEST_CASE(retry_delays_back_off_then_cap_then_give_up)
{
    const si::NotificationRetrySchedule schedule; // 30 s, 2 min, 10 min, 1 h, 6 h; 8 attempts
    const std::vector<std::int64_t> expected{30, 120, 600, 3600, 21600, 21600, 21600};
    for (int failed = 1; failed <= 7; ++failed)
        BOOST_TEST(si::nextRetryDelay(failed, schedule).value() == expected[failed - 1]);
    BOOST_TEST(!si::nextRetryDelay(8, schedule).has_value());
    BOOST_TEST(!si::nextRetryDelay(0, schedule).has_value());
    BOOST_TEST(!si::nextRetryDelay(2, si::NotificationRetrySchedule{{10}, 2}).has_value());
    BOOST_TEST(si::nextRetryDelay(1, si::NotificationRetrySchedule{{10}, 2}).value() == 10);
}

BOOST_AUTO_TEST_CASE(new_entries_are_due_at_once_with_the_json_body)
{
    const auto entry = si::newOutboxEntry(sample());
    BOOST_TEST(entry.body == si::notificationJson(sample()));
    BOOST_TEST(entry.nextAttemptAt == 1700000100);
    BOOST_TEST(entry.attempts == 0);
    BOOST_TEST((entry.status == si::OutboxStatus::Pending));
    BOOST_TEST((si::parseOutboxStatus("failed") == si::OutboxStatus::Failed));
    BOOST_TEST(si::toString(si::OutboxStatus::Delivered) == "delivered");
}

BOOST_AUTO_TEST_CASE(deliver_due_marks_delivered_and_schedules_retries)
{
    MemoryOutbox outbox;
    outbox.enqueue(notificationFor("ntf_a", "acct_A", 100));
    outbox.enqueue(notificationFor("ntf_b", "acct_B", 101));
    ScriptedSender sender;
    sender.answers = {true, false};
    std::int64_t now = 200;
    const auto summary = si::deliverDue(outbox, sender, [&] { return now; });
    BOOST_TEST(summary.delivered == 1u);
    BOOST_TEST(summary.retrying == 1u);
    BOOST_TEST((outbox.row("ntf_a").status == si::OutboxStatus::Delivered));
    BOOST_TEST(outbox.row("ntf_a").deliveredAt.value() == 200);
    const auto& b = outbox.row("ntf_b");
    BOOST_TEST((b.status == si::OutboxStatus::Pending));
    BOOST_TEST(b.attempts == 1);
    BOOST_TEST(b.nextAttemptAt == 230);
    BOOST_TEST(b.lastError == "HTTP 500");

    // Not due yet: nothing is sent.
    now = 229;
    BOOST_TEST(si::deliverDue(outbox, sender, [&] { return now; }).retrying == 0u);
    BOOST_TEST(sender.sent.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_account_s_notifications_go_out_in_creation_order)
{
    MemoryOutbox outbox;
    outbox.enqueue(notificationFor("ntf_created", "acct_A", 100));
    outbox.enqueue(notificationFor("ntf_revoked", "acct_A", 150));
    ScriptedSender sender;
    sender.answers = {false}; // the first fails: the second must wait for it
    std::int64_t now = 200;
    si::deliverDue(outbox, sender, [&] { return now; });
    BOOST_TEST(sender.sent == std::vector<std::string>{"ntf_created"});
    now = 231;
    si::deliverDue(outbox, sender, [&] { return now; });
    si::deliverDue(outbox, sender, [&] { return now; });
    BOOST_TEST((sender.sent == std::vector<std::string>{"ntf_created", "ntf_created", "ntf_revoked"}));
}

BOOST_AUTO_TEST_CASE(gives_up_after_the_last_attempt)
{
    MemoryOutbox outbox;
    outbox.enqueue(notificationFor("ntf_a", "acct_A", 100));
    ScriptedSender sender;
    sender.answers = {false, false};
    si::DeliveryOptions options;
    options.schedule = {{10}, 2};
    std::int64_t now = 100;
    BOOST_TEST(si::deliverDue(outbox, sender, [&] { return now; }, options).retrying == 1u);
    now = 110;
    BOOST_TEST(si::deliverDue(outbox, sender, [&] { return now; }, options).failed == 1u);
    BOOST_TEST((outbox.row("ntf_a").status == si::OutboxStatus::Failed));
    now = 10000;
    BOOST_TEST(si::deliverDue(outbox, sender, [&] { return now; }, options).failed == 0u);
    BOOST_TEST(sender.sent.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_entry_claimed_elsewhere_is_skipped)
{
    MemoryOutbox outbox;
    outbox.enqueue(notificationFor("ntf_a", "acct_A", 100));
    outbox.claimsToSteal = 1;
    ScriptedSender sender;
    const auto summary = si::deliverDue(outbox, sender, [] { return std::int64_t{100}; });
    BOOST_TEST(summary.skipped == 1u);
    BOOST_TEST(sender.sent.empty());
    // Leased: not due again until the lease ends.
    BOOST_TEST(outbox.due(150, 10).empty());
    BOOST_TEST(outbox.due(100 + 120, 10).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_sender_fault_is_a_failed_attempt_with_a_log_safe_error)
{
    MemoryOutbox outbox;
    outbox.enqueue(notificationFor("ntf_a", "acct_A", 100));
    ScriptedSender sender;
    sender.throwInstead = true;
    const auto summary = si::deliverDue(outbox, sender, [] { return std::int64_t{100}; });
    BOOST_TEST(summary.retrying == 1u);
    BOOST_TEST(outbox.row("ntf_a").lastError == "boom\\x0asecond line");
    BOOST_TEST(!outbox.row("ntf_a").leaseUntil.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
