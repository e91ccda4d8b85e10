#include "core/Notification.h"

#include "core/Json.h"
#include "core/SignatureHeader.h"

namespace si {
namespace {

const char* const kHexDigits = "0123456789abcdef";

void appendNullableString(std::string& out, const std::string& value)
{
    if (value.empty())
        out += "null";
    else
        appendJsonString(out, value);
}

} // namespace

std::string toString(NotificationType type)
{
    switch (type) {
    case NotificationType::InstallCreated:
        return "install.created";
    case NotificationType::InstallUpdated:
        return "install.updated";
    case NotificationType::InstallRevoked:
        return "install.revoked";
    }
    return "install.updated";
}

std::optional<NotificationType> parseNotificationType(std::string_view name)
{
    for (auto type : {NotificationType::InstallCreated, NotificationType::InstallUpdated,
                      NotificationType::InstallRevoked})
        if (name == toString(type))
            return type;
    return std::nullopt;
}

std::string mintNotificationId(RandomSource& random)
{
    unsigned char bytes[16];
    random.fill(bytes, sizeof bytes);
    std::string id = "ntf_";
    for (unsigned char b : bytes) {
        id += kHexDigits[b >> 4];
        id += kHexDigits[b & 0x0F];
    }
    return id;
}

bool looksLikeNotificationId(std::string_view text)
{
    if (text.size() != 36 || text.substr(0, 4) != "ntf_")
        return false;
    for (char c : text.substr(4))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

std::optional<NotificationType> notificationTypeFor(const std::optional<Install>& before, const Install& after)
{
    if (!before)
        return after.active() ? std::optional(NotificationType::InstallCreated)
                              : std::optional(NotificationType::InstallRevoked);
    if (before->active() && !after.active())
        return NotificationType::InstallRevoked;
    if (!after.active())
        return std::nullopt; // still revoked: nothing new for the receiver
    if (!before->active() || before->userId != after.userId || before->ref != after.ref)
        return NotificationType::InstallUpdated;
    return std::nullopt;
}

Notification makeNotification(std::string id, NotificationType type, const Install& install, std::int64_t now)
{
    Notification n;
    n.id = std::move(id);
    n.type = type;
    n.accountId = install.accountId;
    n.userId = install.userId;
    n.livemode = install.livemode;
    n.ref = install.ref;
    n.time = now;
    return n;
}

std::string notificationJson(const Notification& n)
{
    std::string out = "{\"id\":";
    appendJsonString(out, n.id);
    out += ",\"object\":\"notification\",\"type\":";
    appendJsonString(out, toString(n.type));
    out += ",\"account_id\":";
    appendJsonString(out, n.accountId);
    out += ",\"user_id\":";
    appendNullableString(out, n.userId);
    out += ",\"livemode\":";
    out += n.livemode ? "true" : "false";
    out += ",\"ref\":";
    appendNullableString(out, n.ref);
    out += ",\"time\":";
    out += std::to_string(n.time);
    out += "}";
    return out;
}

std::string notificationSignatureHeader(std::string_view body, std::string_view secret, std::int64_t timestamp)
{
    return signStripeStyle(body, secret, timestamp);
}

std::optional<std::int64_t> nextRetryDelay(int failedAttempts, const NotificationRetrySchedule& schedule)
{
    if (failedAttempts < 1 || failedAttempts >= schedule.maxAttempts || schedule.delays.empty())
        return std::nullopt;
    const std::size_t index = static_cast<std::size_t>(failedAttempts - 1);
    return index < schedule.delays.size() ? schedule.delays[index] : schedule.delays.back();
}

} // namespace si
