#pragma once
// The install flow itself: begin (mint a state bound to this browser, build
// the link) and complete (verify the callback, consume the state, record the
// install). Pure: the store, randomness and the clock come in as ports.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/AppConfig.h"
#include "core/InstallCallback.h"
#include "core/StateToken.h"
#include "core/Stores.h"

namespace si {

using Clock = std::function<std::int64_t()>; ///< Unix seconds

struct BeginResult {
    std::string state;        ///< goes into the link, never stored in clear
    std::string installLink;
    std::string browserToken; ///< the browser-binding cookie's value
    bool browserTokenIsNew = false; ///< the cookie must be (re)sent
    std::optional<std::string> funnelProblem; ///< why the funnel metric was not counted
};

/// Every way a callback can end. Expected outcomes, not faults.
enum class CallbackOutcome {
    Installed,
    Cancelled,        ///< the user cancelled at Stripe (error=access_denied)
    Malformed,        ///< unreadable query or missing fields
    BadSignature,     ///< install_signature missing, forged, stale, …
    MissingState,     ///< no state: not a link this page made
    UnknownState,
    StateUsed,        ///< a replay
    StateExpired,
    OtherBrowser,     ///< the state was minted for another browser
    ModeNotAccepted,  ///< test-mode install while only live ones are accepted, or vice versa
};
std::string toCode(CallbackOutcome outcome);

struct CallbackResult {
    CallbackOutcome outcome = CallbackOutcome::Malformed;
    std::string detail;  ///< the exact cause, for the log (already log-safe)
    Install install;     ///< when Installed
    std::string cancelDescription; ///< when Cancelled: Stripe's text (untrusted)
};

class InstallFlow {
public:
    InstallFlow(const AppConfig& config, Store& store, RandomSource& random, Clock clock);

    /// Mints a state for this browser (reusing its binding cookie when it
    /// presents a well-formed one) and stores its digest with `ref`,
    /// counting `funnelMetric` ("page_view", "start") in the same write.
    BeginResult begin(const std::optional<std::string>& browserToken, const std::string& ref,
                      const std::string& funnelMetric = "");

    /// Decides a callback. Only a verified signature over an unexpired,
    /// unused state minted for this browser records an install.
    CallbackResult complete(const InstallCallback& callback, const std::optional<std::string>& browserToken);

private:
    const AppConfig& _config;
    Store& _store;
    RandomSource& _random;
    Clock _clock;
};

} // namespace si
