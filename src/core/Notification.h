#pragma once
// What the app's backend is told when an install appears, changes or is
// revoked: the model, its JSON body, its Stripe-style signature, and how
// often a failed delivery is retried. Pure: time and randomness come in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/StateToken.h"
#include "core/Stores.h"

namespace si {

enum class NotificationType {
    InstallCreated, ///< "install.created": first install of (account, mode)
    InstallUpdated, ///< "install.updated": re-install, reactivation, or new details (user, ref)
    InstallRevoked, ///< "install.revoked": the install was revoked (webhook or by hand)
};
/// The wire name, e.g. "install.created".
std::string toString(NotificationType type);
/// The type for a wire name; nullopt for anything else.
std::optional<NotificationType> parseNotificationType(std::string_view name);

/// One notification. Immutable once enqueued: retries resend the same body.
struct Notification {
    std::string id;             ///< "ntf_" + 32 lower-case hex (128 random bits)
    NotificationType type = NotificationType::InstallCreated;
    std::string accountId;
    std::string userId;         ///< "" when unknown (sent as null)
    bool livemode = true;
    std::string ref;            ///< "" when none (sent as null)
    std::int64_t time = 0;      ///< Unix seconds when the change happened
};

/// A fresh notification id, "ntf_" + 32 hex characters.
std::string mintNotificationId(RandomSource& random);
/// True when `text` has the shape mintNotificationId produces.
bool looksLikeNotificationId(std::string_view text);

/// What, if anything, to notify for an install going from `before` (nullopt:
/// no row existed) to `after`: created for a new row; revoked when an active
/// install became revoked; updated when it became active again or its user
/// or ref changed; nullopt when nothing a receiver cares about changed.
std::optional<NotificationType> notificationTypeFor(const std::optional<Install>& before, const Install& after);

/// The notification for `install`, happening at `now`.
Notification makeNotification(std::string id, NotificationType type, const Install& install, std::int64_t now);

/// The JSON body, keys always in this order, no spaces:
/// {"id":…,"object":"notification","type":…,"account_id":…,"user_id":…|null,
///  "livemode":true|false,"ref":…|null,"time":…}
std::string notificationJson(const Notification& notification);

/// The `Stripe-Signature`-style header for `body` signed at `timestamp`
/// (`t=<timestamp>,v1=<hex>`): receivers verify it with Stripe's own
/// libraries (e.g. stripe.webhooks.constructEvent) and the [notify] secret.
std::string notificationSignatureHeader(std::string_view body, std::string_view secret, std::int64_t timestamp);

/// The header name the signature is sent in.
inline constexpr const char* kNotificationSignatureHeaderName = "Stripe-Signature";

/// When failed deliveries are tried again. Attempt n (1-based) failing waits
/// delays[n-1] seconds (the last delay repeats: the cap) before attempt n+1;
/// after maxAttempts failed attempts the notification is given up ("failed").
struct NotificationRetrySchedule {
    std::vector<std::int64_t> delays{30, 120, 600, 3600, 21600}; ///< 30 s, 2 min, 10 min, 1 h, 6 h
    int maxAttempts = 8; ///< about 19 hours from the first attempt to giving up
};

/// The wait before the next attempt after `failedAttempts` (≥ 1) attempts
/// have failed, or nullopt when the schedule gives up.
std::optional<std::int64_t> nextRetryDelay(int failedAttempts, const NotificationRetrySchedule& schedule = {});

} // namespace si
