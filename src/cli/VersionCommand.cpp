// `stripe-install --version`: this build and the libraries it runs with.
#include <sqlite3.h>

#include <iostream>

#include <Poco/Environment.h>

#include "cli/CommandRegistry.h"

namespace si::cli {
namespace {

std::string pocoVersion()
{
    const unsigned v = Poco::Environment::libraryVersion(); // 0xAABBCCDD: major.minor.revision
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xFF) + "." + std::to_string((v >> 8) & 0xFF);
}

int versionCommand(const std::vector<std::string>&)
{
    std::cout << "stripe-install " << SI_VERSION << "\n"
              << "built with: " << SI_COMPILER << ", C++17, " << SI_BUILD_TYPE << "\n"
              << "Poco " << pocoVersion() << " (built against " << POCO_VERSION_STRING_FOR_BUILD << ")\n"
              << "SQLite " << sqlite3_libversion() << "\n"
              << "libfcgi " << SI_FCGI_VERSION << "\n";
    return 0;
}

const CommandRegistration registration{"--version", "print the version and the libraries it was built with",
                                       &versionCommand};

} // namespace
} // namespace si::cli
