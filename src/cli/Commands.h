#pragma once
#include <string>
#include <vector>

namespace si::cli {

/// Each sub-command takes the words after its name and returns the exit code:
/// 0 success, 1 a negative answer or failure, 2 a usage error.
int verifyCallbackCommand(const std::vector<std::string>& args);

} // namespace si::cli
