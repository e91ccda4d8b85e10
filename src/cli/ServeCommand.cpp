#include <iostream>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "cli/LoadRuntime.h"
#include "core/Text.h"
#include "modules/ModuleLoader.h"
#include "transport/DevServer.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install serve [--config FILE] [--listen HOST:PORT] [--dev]

Serves the install page over plain HTTP with a built-in server, for local use
and trials. Behind a real web server, use FastCGI or CGI instead (run the
program with no command).

Options:
  --config FILE       the configuration (default: STRIPE_INSTALL_CONFIG, or
                      stripe-install.ini beside the program)
  --listen HOST:PORT  where to listen (default 127.0.0.1:8080)
  --dev               also serve a local stand-in for Stripe's consent step and
                      point the install link at it, so the whole flow works
                      without a Stripe account. Only on a loopback address.
  --help              this text
)";

int serveCommand(const std::vector<std::string>& words)
{
    std::optional<std::string> configPath;
    std::string listen = "127.0.0.1:8080";
    bool dev = false;
    try {
        Arguments args(words);
        while (!args.done()) {
            if (args.flag("--help") || args.flag("-h")) {
                std::cout << kHelp;
                return 0;
            }
            if (auto value = args.option("--config"))
                configPath = *value;
            else if (auto value = args.option("--listen"))
                listen = *value;
            else if (args.flag("--dev"))
                dev = true;
            else
                throw UsageError("unknown argument " + args.peek());
        }
    } catch (const UsageError& e) {
        std::cerr << "serve: " << e.what() << "\n(see stripe-install serve --help)\n";
        return 2;
    }
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        std::cerr << "serve: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n";
        return 2;
    }
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    long long port = -1;
    try {
        port = parseInteger(listen.substr(colon + 1), "the port");
    } catch (const UsageError&) {
    }
    if (port < 0 || port > 65535) {
        std::cerr << "serve: the port in --listen must be 0..65535\n";
        return 2;
    }
    if (dev && !isLoopbackHost(host)) {
        std::cerr << "serve: --dev signs installs with your app secret for anyone who asks, so it only "
                     "listens on a loopback address (127.0.0.1, ::1, localhost)\n";
        return 2;
    }

    auto runtime = loadRuntimeOrExplain(configPath, "serve");
    if (!runtime)
        return 1;
    if (dev) {
        runtime->options.devMarketplace = true;
        runtime->config.installLinkBase = "http://" + listen + "/_dev/marketplace/apps/install/link";
        std::cerr << "serve: --dev: the install link goes to a LOCAL STAND-IN for Stripe at "
                  << runtime->config.installLinkBase << "\n";
    }
    try {
        return serveHttp(*runtime, host, static_cast<unsigned short>(port));
    } catch (const ModuleError& e) {
        std::cerr << "serve: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "serve: cannot listen on " << listen << ": " << e.what() << "\n";
        return 1;
    }
}

const CommandRegistration registration{"serve", "serve the page over HTTP (local use; --dev for a demo)", &serveCommand};

} // namespace
} // namespace si::cli
