#include "http/InstallFlow.h"

#include <chrono>

#include "core/HmacSha256.h"
#include "core/InstallLink.h"
#include "core/Text.h"

namespace si {

namespace {

/// The milliseconds within the current second, for the order of states
/// minted in one second (only their database keys' order depends on it).
std::int64_t millisecondOfSecond()
{
    const auto sinceEpoch = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(sinceEpoch).count() % 1000;
}

} // namespace

std::string toCode(CallbackOutcome outcome)
{
    switch (outcome) {
    case CallbackOutcome::Installed: return "installed";
    case CallbackOutcome::Cancelled: return "cancelled";
    case CallbackOutcome::Malformed: return "malformed_callback";
    case CallbackOutcome::BadSignature: return "bad_signature";
    case CallbackOutcome::MissingState: return "missing_state";
    case CallbackOutcome::UnknownState: return "unknown_state";
    case CallbackOutcome::StateUsed: return "state_already_used";
    case CallbackOutcome::StateExpired: return "state_expired";
    case CallbackOutcome::OtherBrowser: return "state_from_other_browser";
    case CallbackOutcome::ModeNotAccepted: return "mode_not_accepted";
    }
    return "unknown";
}

InstallFlow::InstallFlow(const AppConfig& config, Store& store, RandomSource& random, Clock clock)
    : _config(config), _store(store), _random(random), _clock(std::move(clock))
{
}

BeginResult InstallFlow::begin(const std::optional<std::string>& browserToken, const std::string& ref,
                               const std::string& funnelMetric)
{
    BeginResult result;
    const bool newBrowser = !browserToken || !looksLikeToken(*browserToken);
    // A browser token takes 32 random bytes, a state 26.
    RandomBatch random(_random, newBrowser ? 32 + 26 : 26);
    if (newBrowser) {
        result.browserToken = mintToken(random);
        result.browserTokenIsNew = true;
    } else {
        result.browserToken = *browserToken;
    }
    StateRecord record;
    record.createdAt = _clock();
    result.state = mintStateToken(random, record.createdAt * 1000 + millisecondOfSecond());
    record.tokenHash = stateKey(result.state);
    record.browserHash = sha256Hex(result.browserToken);
    record.ref = ref;
    record.expiresAt = record.createdAt + _config.stateTtl;
    record.funnelMetric = funnelMetric;
    result.funnelProblem = _store.saveState(record);

    result.installLink = buildInstallLink(_config.installLinkBase, _config.appId, _config.redirectUri, result.state);
    return result;
}

namespace {

CallbackResult outcome(CallbackOutcome what, std::string detail)
{
    CallbackResult result;
    result.outcome = what;
    result.detail = std::move(detail);
    return result;
}

CallbackOutcome fromConsume(ConsumeOutcome consumed)
{
    switch (consumed) {
    case ConsumeOutcome::Consumed: return CallbackOutcome::Installed;
    case ConsumeOutcome::Unknown: return CallbackOutcome::UnknownState;
    case ConsumeOutcome::AlreadyUsed: return CallbackOutcome::StateUsed;
    case ConsumeOutcome::Expired: return CallbackOutcome::StateExpired;
    case ConsumeOutcome::OtherBrowser: return CallbackOutcome::OtherBrowser;
    }
    return CallbackOutcome::UnknownState;
}

} // namespace

CallbackResult InstallFlow::complete(const InstallCallback& callback, const std::optional<std::string>& browserToken)
{
    switch (callback.kind) {
    case InstallCallback::Kind::Malformed:
        return outcome(CallbackOutcome::Malformed, callback.problem);
    case InstallCallback::Kind::Cancelled: {
        CallbackResult result = outcome(CallbackOutcome::Cancelled,
                                        "error=" + logSafe(callback.error) +
                                            " error_description=" + logSafe(callback.errorDescription, 200));
        result.cancelDescription = callback.errorDescription;
        return result;
    }
    case InstallCallback::Kind::Install:
        break;
    }

    const std::int64_t now = _clock();
    SignaturePolicy policy;
    policy.secrets = _config.appSecrets;
    policy.now = now;
    policy.toleranceSeconds = _config.signatureTolerance;
    const SignatureCheck check = verifyInstallSignature(callback, policy);
    if (!check.ok())
        return outcome(CallbackOutcome::BadSignature, toCode(check.error) + ": " + toString(check.error));

    // Only now, with the fields known to come from Stripe, does the rest count.
    if (_config.livemode == LivemodePolicy::Live && !callback.livemode)
        return outcome(CallbackOutcome::ModeNotAccepted, "a test-mode install, but livemode = live");
    if (_config.livemode == LivemodePolicy::Test && callback.livemode)
        return outcome(CallbackOutcome::ModeNotAccepted, "a live-mode install, but livemode = test");
    if (!callback.fields.state || callback.fields.state->empty())
        return outcome(CallbackOutcome::MissingState, "the callback carries no state");
    if (!looksLikeToken(*callback.fields.state))
        return outcome(CallbackOutcome::UnknownState, "the state is not one this page mints");
    if (!browserToken || !looksLikeToken(*browserToken))
        return outcome(CallbackOutcome::OtherBrowser, "no browser-binding cookie came with the callback");

    Install install;
    install.accountId = callback.fields.accountId;
    install.userId = callback.fields.userId;
    install.livemode = callback.livemode;
    install.installedAt = now;
    install.updatedAt = now;
    install.source = "callback";
    const std::string browserHash = sha256Hex(*browserToken);
    ConsumeResult consumed = _store.consumeStateAndRecordInstall(stateKey(*callback.fields.state), browserHash, now, install);
    if (consumed.outcome == ConsumeOutcome::Unknown) // minted before time-ordered keys?
        consumed = _store.consumeStateAndRecordInstall(legacyStateKey(*callback.fields.state), browserHash, now, install);

    CallbackResult result = outcome(fromConsume(consumed.outcome), toCode(consumed.outcome));
    if (consumed.outcome == ConsumeOutcome::Consumed)
        result.install = consumed.install;
    return result;
}

} // namespace si
