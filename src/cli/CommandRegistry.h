#pragma once
#include <functional>
#include <string>
#include <vector>

namespace si::cli {

/// A sub-command: takes the words after its name, returns the exit code
/// (0 success, 1 a negative answer or failure, 2 a usage error).
using CommandFunction = std::function<int(const std::vector<std::string>& args)>;

struct Command {
    std::string name;    ///< e.g. "verify-callback", or "installs" for a group
    std::string summary; ///< one line for the program's --help
    CommandFunction run;
};

/// Every sub-command, in the order registered.
std::vector<Command>& commands();

/// Each command's file registers it with a static instance of this, so adding
/// a command touches no other file:
///     static const si::cli::CommandRegistration reg{"name", "summary", &fn};
struct CommandRegistration {
    CommandRegistration(std::string name, std::string summary, CommandFunction run);
};

} // namespace si::cli
