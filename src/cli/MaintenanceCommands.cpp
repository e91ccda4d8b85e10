// `link`, `migrate` and `purge`: small commands over the configuration and store.
#include <ctime>
#include <iostream>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "cli/LoadRuntime.h"
#include "core/InstallLink.h"
#include "core/StateToken.h"
#include "core/StoreError.h"
#include "store/OpenStore.h"
#include "store/SqlDialect.h"

namespace si::cli {
namespace {

/// Parses `--config FILE`, `--help` and the options `extra` accepts.
/// Returns false (after printing help) when --help was given.
template <typename Extra>
bool parseCommon(const char* command, const char* help, const std::vector<std::string>& words,
                 std::optional<std::string>& configPath, Extra extra)
{
    Arguments args(words);
    while (!args.done()) {
        if (args.flag("--help") || args.flag("-h")) {
            std::cout << help;
            return false;
        }
        if (auto value = args.option("--config"))
            configPath = *value;
        else if (!extra(args))
            throw UsageError(std::string("unknown argument ") + args.peek() + " for " + command);
    }
    return true;
}

const char* const kLinkHelp = R"(Usage: stripe-install link [--config FILE] [--state S]

Prints the install link the page would produce. Without --state a fresh
random state is shown, but not stored: a link printed here is for checking
the configuration, not for visitors (they get theirs from the page).
)";

int linkCommand(const std::vector<std::string>& words)
{
    std::optional<std::string> configPath, state;
    try {
        if (!parseCommon("link", kLinkHelp, words, configPath, [&](Arguments& args) {
                if (auto value = args.option("--state")) {
                    state = *value;
                    return true;
                }
                return false;
            }))
            return 0;
    } catch (const UsageError& e) {
        std::cerr << "link: " << e.what() << "\n";
        return 2;
    }
    auto config = loadConfigOrExplain(configPath, "link");
    if (!config)
        return 1;
    if (!state) {
        SystemRandom random;
        state = mintToken(random);
    }
    std::cout << buildInstallLink(config->installLinkBase, config->appId, config->redirectUri, *state) << "\n";
    return 0;
}

const char* const kMigrateHelp = R"(Usage: stripe-install migrate [--config FILE]

Creates the database, or upgrades its schema to this version's. The program
also does this by itself when it starts; run it by hand after an upgrade to
see the result before visitors arrive.
)";

int migrateCommand(const std::vector<std::string>& words)
{
    std::optional<std::string> configPath;
    try {
        if (!parseCommon("migrate", kMigrateHelp, words, configPath, [](Arguments&) { return false; }))
            return 0;
    } catch (const UsageError& e) {
        std::cerr << "migrate: " << e.what() << "\n";
        return 2;
    }
    auto config = loadConfigOrExplain(configPath, "migrate");
    if (!config)
        return 1;
    try {
        auto store = openStore(*config);
        store->ping();
        std::cout << "schema up to date: " << redactConnectionString(config->dbConnection) << "\n";
        return 0;
    } catch (const StoreError& e) {
        std::cerr << "migrate: database: " << e.what() << "\n";
        return 1;
    }
}

const char* const kPurgeHelp = R"(Usage: stripe-install purge [--config FILE]

Deletes every expired state now and prints how many. (The page also purges
long-expired states by itself as it mints new ones; no job is needed.)
)";

int purgeCommand(const std::vector<std::string>& words)
{
    std::optional<std::string> configPath;
    try {
        if (!parseCommon("purge", kPurgeHelp, words, configPath, [](Arguments&) { return false; }))
            return 0;
    } catch (const UsageError& e) {
        std::cerr << "purge: " << e.what() << "\n";
        return 2;
    }
    auto config = loadConfigOrExplain(configPath, "purge");
    if (!config)
        return 1;
    try {
        auto store = openStore(*config);
        const std::size_t purged = store->purgeExpiredStates(static_cast<std::int64_t>(std::time(nullptr)));
        std::cout << "purged " << purged << " expired state" << (purged == 1 ? "" : "s") << "\n";
        return 0;
    } catch (const StoreError& e) {
        std::cerr << "purge: database: " << e.what() << "\n";
        return 1;
    }
}

const CommandRegistration linkRegistration{"link", "print the install link the page would produce", &linkCommand};
const CommandRegistration migrateRegistration{"migrate", "create or upgrade the database schema", &migrateCommand};
const CommandRegistration purgeRegistration{"purge", "delete expired states now", &purgeCommand};

} // namespace
} // namespace si::cli
