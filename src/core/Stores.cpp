#include "core/Stores.h"

#include <stdexcept>

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

// TRANSITIONAL (issue 10 in progress): SqlStore overrides all of these.
namespace {
[[noreturn]] void notYet(const char* what)
{
    throw std::logic_error(std::string(what) + " is not implemented by this store yet");
}
} // namespace

std::vector<InstallEvent> Store::installHistory(const std::string&) { notYet("installHistory"); }
void Store::countFunnel(std::int64_t, const std::string&, const std::string&) { notYet("countFunnel"); }
std::vector<FunnelCount> Store::funnel(const std::string&) { notYet("funnel"); }
void Store::recordLoginFailure(const std::string&, std::int64_t) { notYet("recordLoginFailure"); }
std::vector<std::int64_t> Store::loginFailuresSince(const std::string&, std::int64_t) { notYet("loginFailuresSince"); }
void Store::clearLoginFailures(const std::string&) { notYet("clearLoginFailures"); }

} // namespace si
