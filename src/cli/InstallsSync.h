#pragma once
#include <optional>

#include "config/AppConfig.h"

namespace si::cli {

/// `installs sync`: pages through GET /v1/apps/installs and reconciles the
/// installs of the key's mode (or `livemode` when given), printing each
/// change; with `dryRun` nothing is written. Returns the exit code.
int syncInstalls(const AppConfig& config, std::optional<bool> livemode, bool dryRun);

} // namespace si::cli
