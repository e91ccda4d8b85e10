// Wiring only: picks the sub-command (or the web transport) and runs it.
#include <iostream>
#include <string>
#include <vector>

#include "cli/Commands.h"

namespace {

const char* const kUsage = R"(Usage: stripe-install [COMMAND] [options]

Serves a Stripe App install link page. With no command it answers web
requests: FastCGI when started by a web server, plain CGI otherwise.

Commands:
  verify-callback   check a callback URL's install_signature by hand
  --version         print the version and the libraries it was built with
  --help            this text

Run "stripe-install COMMAND --help" for a command's options.
)";

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string command = words.front();
    const std::vector<std::string> rest(words.begin() + 1, words.end());
    if (command == "verify-callback")
        return si::cli::verifyCallbackCommand(rest);
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << kUsage;
        return 0;
    }
    std::cerr << "stripe-install: unknown command \"" << command << "\"\n" << kUsage;
    return 2;
}
