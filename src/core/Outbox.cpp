#include "core/Outbox.h"

#include <exception>

#include "core/Text.h"

namespace si {

std::string toString(OutboxStatus status)
{
    switch (status) {
    case OutboxStatus::Pending:
        return "pending";
    case OutboxStatus::Delivered:
        return "delivered";
    case OutboxStatus::Failed:
        return "failed";
    }
    return "pending";
}

std::optional<OutboxStatus> parseOutboxStatus(const std::string& text)
{
    for (auto status : {OutboxStatus::Pending, OutboxStatus::Delivered, OutboxStatus::Failed})
        if (text == toString(status))
            return status;
    return std::nullopt;
}

OutboxEntry newOutboxEntry(const Notification& notification)
{
    OutboxEntry entry;
    entry.notification = notification;
    entry.body = notificationJson(notification);
    entry.createdAt = notification.time;
    entry.nextAttemptAt = notification.time;
    return entry;
}

DeliverySummary deliverDue(Outbox& outbox, NotificationSender& sender, const std::function<std::int64_t()>& clock,
                           const DeliveryOptions& options)
{
    DeliverySummary summary;
    for (const OutboxEntry& entry : outbox.due(clock(), options.limit)) {
        const std::string& id = entry.notification.id;
        if (!outbox.claim(id, clock(), options.leaseSeconds)) {
            ++summary.skipped;
            continue;
        }
        DeliveryAttempt attempt;
        try {
            attempt = sender.deliver(entry);
        } catch (const std::exception& e) {
            // A sender fault must not leave the entry leased with no record.
            attempt = {false, logSafe(e.what(), 200)};
        }
        const std::int64_t now = clock();
        if (attempt.delivered) {
            outbox.markDelivered(id, now);
            ++summary.delivered;
            continue;
        }
        const auto delay = nextRetryDelay(entry.attempts + 1, options.schedule);
        outbox.markFailedAttempt(id, now, delay ? std::optional(now + *delay) : std::nullopt,
                                 attempt.error.empty() ? "not accepted" : attempt.error);
        ++(delay ? summary.retrying : summary.failed);
    }
    return summary;
}

} // namespace si
