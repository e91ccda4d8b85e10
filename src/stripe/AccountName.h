#pragma once
// The connected account's display name, for the success page: one quick
// GET /v1/accounts/{id}, no retries, never an exception.
#include <optional>
#include <string>

#include "config/AppConfig.h"
#include "core/AccountNameLookup.h"
#include "http/Logger.h"
#include "stripe/StripeApiClient.h"

namespace si {

/// settings.dashboard.display_name (else business_profile.name) of
/// `accountId`, fetched within `timeoutMs` and without retries; nothing on
/// any failure (slow, refused, error answer, no name). Never throws.
std::optional<std::string> fetchAccountDisplayName(const StripeApiClient& client, const std::string& accountId,
                                                   int timeoutMs);

/// How long the success page waits for the name at most.
inline constexpr int kAccountNameTimeoutMs = 1500;

/// A lookup for the success page when an API key is configured, else an
/// empty function (no name shown, no call made). Failures are logged as
/// `account_name_unavailable` with the (key-free) cause.
AccountNameLookup makeAccountNameLookup(const AppConfig& config, Logger& log,
                                        int timeoutMs = kAccountNameTimeoutMs);

} // namespace si
