#pragma once
// Wiring of [notify] to the outbox: the sender the configuration names, and
// the delivery options every caller (after a response, `notify flush`) uses.
#include <cstddef>
#include <memory>

#include "config/AppConfig.h"
#include "core/Outbox.h"
#include <functional>

namespace si {

/// The sender for [notify] url (signed POST, from the network module) or
/// command; null when notifications are off. Throws std::invalid_argument
/// when it cannot be set up (e.g. an unreadable ca_file), ModuleError when
/// [notify] url is set and the network module is missing.
std::unique_ptr<NotificationSender> makeNotificationSender(const AppConfig& config,
                                                           std::function<std::int64_t()> clock);

/// Up to `limit` entries per run, leased for well over [notify] timeout_ms
/// (so a slow delivery is never claimed a second time while it runs).
DeliveryOptions notificationDeliveryOptions(const AppConfig& config, std::size_t limit);

} // namespace si
