#pragma once
// The notification outbox: the port a store implements, and the delivery
// loop over it. A notification is written to the outbox in the same
// transaction as the install change that caused it (so a crash between the
// commit and delivery loses nothing), then delivered after the response is
// sent, by later requests and by `stripe-install notify flush`.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/Notification.h"

namespace si {

enum class OutboxStatus {
    Pending,   ///< waiting for its first or next attempt (possibly claimed right now)
    Delivered, ///< the receiver accepted it
    Failed,    ///< given up after the retry schedule's last attempt
};
/// "pending", "delivered", "failed" (as stored and shown).
std::string toString(OutboxStatus status);
std::optional<OutboxStatus> parseOutboxStatus(const std::string& text);

/// One row of the outbox.
struct OutboxEntry {
    Notification notification; ///< id, type and fields (the row's key is notification.id)
    std::string body;          ///< notificationJson() as enqueued; every attempt sends exactly this
    OutboxStatus status = OutboxStatus::Pending;
    int attempts = 0;                          ///< attempts made so far
    std::int64_t createdAt = 0;                ///< enqueue time (= notification.time)
    std::int64_t nextAttemptAt = 0;            ///< not tried before this (createdAt at first)
    std::optional<std::int64_t> leaseUntil;    ///< claimed by a deliverer until then
    std::optional<std::int64_t> deliveredAt;
    std::string lastError;                     ///< why the last attempt failed (log-safe), "" if none
};

/// The row to insert for a new notification, due at once.
OutboxEntry newOutboxEntry(const Notification& notification);

struct OutboxFilter {
    std::optional<OutboxStatus> status; ///< nullopt: every status
    std::string accountId;              ///< "" = every account
    std::size_t limit = 100;            ///< newest first
};

/// The outbox port. Every method is atomic on its own and safe with many
/// processes sharing one database; infrastructure faults are thrown as
/// StoreError. Enqueueing is not here: the Store inserts newOutboxEntry(…)
/// rows inside its own install transactions (consumeStateAndRecordInstall,
/// applyWebhookEvent, revokeByHand), using notificationTypeFor(before, after).
class Outbox {
public:
    virtual ~Outbox() = default;

    /// Pending entries with nextAttemptAt <= now whose lease is absent or
    /// expired, and that are the oldest undelivered entry of their account:
    /// an entry waits while an earlier Pending one of the same account_id
    /// exists (whatever its lease or nextAttemptAt), so a receiver sees each
    /// account's notifications in creation order. Oldest first (createdAt,
    /// then insertion order); at most `limit`.
    virtual std::vector<OutboxEntry> due(std::int64_t now, std::size_t limit) = 0;

    /// Atomically takes entry `id` for delivery until now + leaseSeconds:
    /// succeeds only if it is still Pending, due at `now`, and unleased or
    /// its lease expired (e.g. `UPDATE … SET lease_until = ? WHERE id = ?
    /// AND status = 'pending' AND next_attempt_at <= ? AND (lease_until IS
    /// NULL OR lease_until <= ?)`, true when one row changed). Of two
    /// processes claiming one entry at once, exactly one gets true.
    virtual bool claim(const std::string& id, std::int64_t now, std::int64_t leaseSeconds) = 0;

    /// The claimed entry was accepted: Delivered, attempts + 1, lease cleared.
    virtual void markDelivered(const std::string& id, std::int64_t now) = 0;

    /// The claimed entry's attempt failed: attempts + 1, lastError = `error`,
    /// lease cleared; Pending again at `nextAttemptAt`, or Failed when it is
    /// nullopt (the schedule gave up).
    virtual void markFailedAttempt(const std::string& id, std::int64_t now,
                                   std::optional<std::int64_t> nextAttemptAt, const std::string& error) = 0;

    /// Entries for `notify list` and the admin page, newest first.
    virtual std::vector<OutboxEntry> list(const OutboxFilter& filter) = 0;
};

/// The result of one delivery attempt. A receiver that did not accept is
/// an expected outcome, not an exception.
struct DeliveryAttempt {
    bool delivered = false;
    std::string error; ///< when not delivered: what happened, log-safe, no secret
};

/// Delivers one notification somewhere (an HTTPS endpoint, a command).
/// May throw on a fault; deliverDue counts that as a failed attempt.
class NotificationSender {
public:
    virtual ~NotificationSender() = default;
    virtual DeliveryAttempt deliver(const OutboxEntry& entry) = 0;
};

struct DeliveryOptions {
    std::size_t limit = 20;           ///< entries per run
    std::int64_t leaseSeconds = 120;  ///< must exceed the sender's timeout
    NotificationRetrySchedule schedule;
};

struct DeliverySummary {
    std::size_t delivered = 0;
    std::size_t retrying = 0; ///< failed, will be tried again
    std::size_t failed = 0;   ///< failed and given up
    std::size_t skipped = 0;  ///< claimed by another process first
};

/// Claims the due entries one by one and delivers each, in due() order,
/// recording the outcome. Store faults (StoreError) propagate; a sender's
/// exception is recorded as a failed attempt.
DeliverySummary deliverDue(Outbox& outbox, NotificationSender& sender, const std::function<std::int64_t()>& clock,
                           const DeliveryOptions& options = {});

} // namespace si
