// `stripe-install installs list|show|revoke|sync`: looking after the installs the
// page collected, from a shell.
#include <ctime>
#include <iostream>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "cli/InstallFormat.h"
#include "cli/InstallsSync.h"
#include "cli/LoadRuntime.h"
#include "core/StoreError.h"
#include "store/OpenStore.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install installs COMMAND [options]

  installs list [--format table|json|csv] [--active|--revoked] [--livemode live|test]
      every install, newest first
  installs show ACCOUNT_ID [--format table|json|csv]
      the account's installs (live and test mode); exit 1 if there is none
  installs revoke ACCOUNT_ID
      marks the account's active installs revoked by hand (recorded as "cli")
  installs sync [--dry-run] [--livemode live|test]
      asks Stripe for the app's installs (GET /v1/apps/installs, with the
      [stripe] api_key) and makes the table match: installs missing here are
      added, ones no longer on Stripe marked revoked; prints each change.
      Only installs of the key's mode are compared (sk_test_: test mode).
      --dry-run prints the changes without making them

Common options:
  --config FILE   the configuration (default: STRIPE_INSTALL_CONFIG, or
                  stripe-install.ini beside the program)
  --help          this text

The JSON format is documented in the README ("installs JSON").
)";

struct Options {
    std::optional<std::string> configPath;
    OutputFormat format = OutputFormat::Table;
    InstallFilter filter;
    std::vector<std::string> positional;
    bool help = false;
    bool dryRun = false;
};

Options parse(const std::vector<std::string>& words)
{
    Options options;
    Arguments args(words);
    while (!args.done()) {
        if (args.flag("--help") || args.flag("-h"))
            options.help = true;
        else if (auto value = args.option("--config"))
            options.configPath = *value;
        else if (auto value = args.option("--format"))
            options.format = parseOutputFormat(*value);
        else if (args.flag("--dry-run"))
            options.dryRun = true;
        else if (args.flag("--active"))
            options.filter.active = true;
        else if (args.flag("--revoked"))
            options.filter.active = false;
        else if (auto value = args.option("--livemode")) {
            if (*value != "live" && *value != "test")
                throw UsageError("--livemode must be live or test");
            options.filter.livemode = *value == "live";
        } else if (args.peek().rfind("--", 0) == 0)
            throw UsageError("unknown option " + args.peek());
        else
            options.positional.push_back(args.take());
    }
    return options;
}

int installsCommand(const std::vector<std::string>& words)
{
    Options options;
    try {
        options = parse(words);
        if (options.help) {
            std::cout << kHelp;
            return 0;
        }
        if (options.positional.empty())
            throw UsageError("say what to do: list, show, revoke or sync");
        const std::string& action = options.positional.front();
        const bool known = action == "list" || action == "show" || action == "revoke" || action == "sync";
        const std::size_t wanted = action == "list" || action == "sync" ? 1 : 2;
        if (!known || options.positional.size() != wanted)
            throw UsageError(known
                                 ? action + " takes " + (wanted == 1 ? "no account" : "one ACCOUNT_ID")
                                 : "unknown action \"" + action + "\"");
        if (options.dryRun && action != "sync")
            throw UsageError("--dry-run applies to sync only");
        if (action == "sync" && options.filter.active)
            throw UsageError("sync compares every install; --active and --revoked do not apply");
    } catch (const UsageError& e) {
        std::cerr << "installs: " << e.what() << "\n(see stripe-install installs --help)\n";
        return 2;
    }

    auto config = loadConfigOrExplain(options.configPath, "installs");
    if (!config)
        return 1;
    if (options.positional.front() == "sync")
        return syncInstalls(*config, options.filter.livemode, options.dryRun);
    try {
        auto store = openStore(*config);
        const std::string& action = options.positional.front();
        if (action == "list") {
            printInstalls(std::cout, store->listInstalls(options.filter), options.format);
            return 0;
        }
        const std::string& account = options.positional[1];
        if (action == "show") {
            const auto found = store->findInstalls(account);
            if (found.empty()) {
                std::cerr << "installs: no install for " << account << "\n";
                return 1;
            }
            printInstalls(std::cout, found, options.format);
            return 0;
        }
        const std::size_t changed = store->revokeByHand(account, static_cast<std::int64_t>(std::time(nullptr)), "cli");
        if (changed == 0) {
            std::cerr << "installs: " << account << " has no active install to revoke\n";
            return 1;
        }
        std::cout << "revoked " << changed << " install" << (changed == 1 ? "" : "s") << " of " << account << "\n";
        return 0;
    } catch (const StoreError& e) {
        std::cerr << "installs: database: " << e.what() << "\n";
        return 1;
    }
}

const CommandRegistration registration{"installs", "list, show, revoke or sync (with Stripe) the recorded installs", &installsCommand};

} // namespace
} // namespace si::cli
