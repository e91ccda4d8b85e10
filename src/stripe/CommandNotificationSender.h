#pragma once
// [notify] command: each notification handed to a program of the merchant's,
// as a NotificationSender for deliverDue (core/Outbox.h). No network code:
// part of the program itself ([notify] url is in the network module).
#include <string>

#include "core/Outbox.h"

namespace si {

/// Runs a program (no shell, no arguments) with the JSON body on stdin and
/// the fields in the environment: NOTIFY_EVENT_ID, NOTIFY_TYPE,
/// NOTIFY_ACCOUNT_ID, NOTIFY_USER_ID, NOTIFY_LIVEMODE ("true"/"false"),
/// NOTIFY_REF, NOTIFY_TIME, plus PATH; nothing else is inherited, so the
/// program's own secrets (STRIPE_API_KEY…) never reach it. It runs in its
/// own process group; past the timeout the whole group is killed. Exit 0
/// is delivered; the error of a failed attempt quotes the start of its
/// output (stdout and stderr, log-safe).
class CommandNotificationSender : public NotificationSender {
public:
    /// Throws std::invalid_argument when `program` is not an absolute path.
    CommandNotificationSender(std::string program, int timeoutMs);

    DeliveryAttempt deliver(const OutboxEntry& entry) override;

private:
    std::string _program;
    int _timeoutMs;
};

} // namespace si
