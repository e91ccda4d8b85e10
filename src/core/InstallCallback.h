#pragma once
#include <string>
#include <string_view>

#include "core/InstallPayload.h"
#include "core/SignatureVerifier.h"

namespace si {

/// What a request to the redirect URI says, before anything is trusted.
struct InstallCallback {
    enum class Kind {
        Install,   ///< user_id, account_id, install_signature (and maybe state)
        Cancelled, ///< error=… (e.g. access_denied), error_description=…
        Malformed, ///< unreadable query or missing fields; see `problem`
    };
    Kind kind = Kind::Malformed;
    std::string problem;          ///< why it is Malformed, in words to act on
    std::string error;            ///< Cancelled: Stripe's error code
    std::string errorDescription; ///< Cancelled: Stripe's text (untrusted!)
    InstallFields fields;
    std::string installSignature; ///< may be empty: verification says so
    bool livemode = true;         ///< Stripe appends livemode=false in test mode
};

/// Reads a callback's raw query string (as a browser sends it). Pure parsing:
/// nothing is verified here.
InstallCallback readInstallCallback(std::string_view rawQuery);

/// Verifies the callback's install_signature over its fields (every payload
/// form when no state came back).
SignatureCheck verifyInstallSignature(const InstallCallback& callback, const SignaturePolicy& policy);

/// The query part of a full callback URL, or the text itself when it has no
/// `?`; any `#fragment` is dropped.
std::string_view queryOf(std::string_view urlOrQuery);

} // namespace si
