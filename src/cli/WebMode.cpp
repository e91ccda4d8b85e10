#include "cli/WebMode.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "cli/LoadRuntime.h"
#include "transport/FastCgiServer.h"

namespace si::cli {

bool startedAsCgiScript()
{
    return std::getenv("GATEWAY_INTERFACE") != nullptr;
}

int runWebMode()
{
    // A plain CGI process renders one page: it compiles only that one.
    auto runtime = loadRuntimeOrExplain(std::nullopt, "stripe-install",
                                        runningAsCgi() ? TemplateCompile::OnFirstUse : TemplateCompile::AtLoad);
    if (!runtime) {
        if (runningAsCgi()) {
            const std::string page = builtInErrorPage(500, "Not configured",
                                                      "This page is not set up correctly yet. The server log says what to fix.");
            std::printf("Status: 500 Internal Server Error\r\nContent-Type: text/html; charset=utf-8\r\n"
                        "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n%s",
                        page.size(), page.c_str());
        }
        return 1;
    }
    int threads = 1;
    if (const char* text = std::getenv("STRIPE_INSTALL_THREADS")) {
        threads = std::atoi(text);
        if (threads < 1 || threads > 64) {
            std::cerr << "stripe-install: STRIPE_INSTALL_THREADS must be 1..64\n";
            return 1;
        }
    }
    // A process of one thread is, as under mod_fcgid, one of several on
    // the database: one of them writes for all (StoreOptions::shareWriter).
    // STRIPE_INSTALL_SHARED_WRITER=0 has each write for itself.
    const char* shared = std::getenv("STRIPE_INSTALL_SHARED_WRITER");
    runtime->store.setShareWriter(threads == 1 && !(shared && std::string(shared) == "0"));
    return serveFastCgiOrCgi(*runtime, threads);
}

} // namespace si::cli
