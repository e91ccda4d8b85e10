// Wiring only: picks the sub-command (or the web transport) and runs it.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/CommandRegistry.h"
#include "cli/WebMode.h"

namespace {

void printUsage(std::ostream& out)
{
    out << "Usage: stripe-install [COMMAND] [options]\n\n"
           "Serves a Stripe App install link page. With no command it answers web\n"
           "requests: FastCGI when started by a web server, plain CGI otherwise\n"
           "(configuration from STRIPE_INSTALL_CONFIG or stripe-install.ini beside it).\n\n"
           "Commands:\n";
    for (const auto& command : si::cli::commands())
        out << "  " << command.name << std::string(command.name.size() < 18 ? 18 - command.name.size() : 1, ' ')
            << command.summary << "\n";
    out << "\nRun \"stripe-install COMMAND --help\" for a command's options.\n";
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> words(argv + 1, argv + argc);
    if (si::cli::startedAsCgiScript())
        return si::cli::runWebMode();
    if (words.empty()) {
        // Started by hand in a terminal: it is not a web server's child.
        if (isatty(STDIN_FILENO)) {
            printUsage(std::cerr);
            return 2;
        }
        return si::cli::runWebMode();
    }
    const std::string name = words.front();
    if (name == "--help" || name == "-h" || name == "help") {
        printUsage(std::cout);
        return 0;
    }
    for (const auto& command : si::cli::commands())
        if (command.name == name)
            return command.run(std::vector<std::string>(words.begin() + 1, words.end()));
    std::cerr << "stripe-install: unknown command \"" << name << "\"\n\n";
    printUsage(std::cerr);
    return 2;
}
