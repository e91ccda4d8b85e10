#pragma once
// The connected account's display name, for the success page: one quick
// GET /v1/accounts/{id}, no retries, never an exception.
#include <chrono>
#include <optional>
#include <string>

#include "config/AppConfig.h"
#include "core/AccountNameLookup.h"
#include "http/Logger.h"
#include "stripe/StripeApi.h"

namespace si {

/// settings.dashboard.display_name (else business_profile.name) of
/// `accountId`, fetched within `timeoutMs` and without retries; nothing on
/// any failure (slow, refused, error answer, no name). Never throws.
std::optional<std::string> fetchAccountDisplayName(const StripeApi& client, const std::string& accountId,
                                                   int timeoutMs);

/// How long the success page waits for the name at most.
inline constexpr int kAccountNameTimeoutMs = 1500;

/// After the API client could not be made, how long lookups show no name
/// before trying again (the network module may have been installed since).
inline constexpr std::chrono::seconds kAccountNameRetryAfter{60};

/// A lookup for the success page when an API key is configured, else an
/// empty function (no name shown, no call made). The API client (and with
/// it the network module) is made on the first lookup, not before: most
/// requests never show a success page. When it cannot be made (the module
/// is missing, the settings cannot work) the lookup logs
/// `account_name_disabled` with the cause and shows no name until
/// `retryAfter` has passed, then tries again; a failed call is logged as
/// `account_name_unavailable` (key-free).
AccountNameLookup makeAccountNameLookup(const AppConfig& config, Logger& log,
                                        int timeoutMs = kAccountNameTimeoutMs,
                                        std::chrono::steady_clock::duration retryAfter = kAccountNameRetryAfter);

} // namespace si
