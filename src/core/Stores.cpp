#include "core/Stores.h"

#include <ctime>

namespace si {

std::string toCode(ConsumeOutcome outcome)
{
    switch (outcome) {
    case ConsumeOutcome::Consumed: return "consumed";
    case ConsumeOutcome::Unknown: return "unknown_state";
    case ConsumeOutcome::AlreadyUsed: return "state_already_used";
    case ConsumeOutcome::Expired: return "state_expired";
    case ConsumeOutcome::OtherBrowser: return "state_from_other_browser";
    }
    return "unknown";
}

std::string toCode(WebhookEffect effect)
{
    switch (effect) {
    case WebhookEffect::Revoked: return "revoked";
    case WebhookEffect::Recorded: return "recorded";
    case WebhookEffect::Duplicate: return "duplicate";
    case WebhookEffect::Stale: return "stale";
    case WebhookEffect::NoInstall: return "no_install";
    case WebhookEffect::Ignored: return "ignored";
    }
    return "unknown";
}

WebhookAction webhookActionFor(const std::string& eventType)
{
    if (eventType == "account.application.deauthorized" || eventType == "apps.install.deleted")
        return WebhookAction::Revoke;
    if (eventType == "account.application.authorized" || eventType == "apps.install.created")
        return WebhookAction::Record;
    return WebhookAction::None;
}

std::string utcDay(std::int64_t unixSeconds)
{
    const std::time_t t = static_cast<std::time_t>(unixSeconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

} // namespace si
