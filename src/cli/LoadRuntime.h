#pragma once
#include <memory>
#include <optional>
#include <string>

#include "transport/Runtime.h"

namespace si::cli {

/// Loads the configuration and templates for a command; on failure prints
/// every problem (naming the file and key) prefixed by `command` and
/// returns null.
std::unique_ptr<Runtime> loadRuntimeOrExplain(const std::optional<std::string>& configPath,
                                              const std::string& command,
                                              TemplateCompile templates = TemplateCompile::AtLoad);

/// Loads just the configuration (for commands that render no page);
/// prints every problem and returns nullopt on failure.
std::optional<AppConfig> loadConfigOrExplain(const std::optional<std::string>& configPath,
                                             const std::string& command);

/// The program's own path (for finding stripe-install.ini beside it).
std::string programPath();

} // namespace si::cli
