#include "cli/CommandRegistry.h"

namespace si::cli {

std::vector<Command>& commands()
{
    static std::vector<Command> registered; // built on first use: no init-order trouble
    return registered;
}

CommandRegistration::CommandRegistration(std::string name, std::string summary, CommandFunction run)
{
    commands().push_back({std::move(name), std::move(summary), std::move(run)});
}

} // namespace si::cli
