// `stripe-install installs sync`: the install table made true to Stripe's
// own list, for installs whose webhook never arrived (or arrived while the
// page was down). Changes go through Store::applyWebhookEvent with
// synthesized apps.install.created / apps.install.deleted events, the same
// idempotent path a webhook takes (see core/InstallSync.h).
#include "cli/InstallsSync.h"

#include <ctime>
#include <iostream>
#include <set>

#include "core/InstallSync.h"
#include "core/StoreError.h"
#include "store/OpenStore.h"
#include "modules/ModuleLoader.h"
#include "stripe/StripeApi.h"

namespace si::cli {
namespace {

constexpr int kPageSize = 100;
constexpr int kMaxPages = 10000; // a million installs: far past any real app; stops a looping server

std::vector<RemoteInstall> fetchAll(const StripeApi& client, bool livemode)
{
    std::vector<RemoteInstall> all;
    std::set<std::string> cursors;
    std::string after;
    for (int page = 0; page < kMaxPages; ++page) {
        StripeRequest request;
        request.path = "/v1/apps/installs";
        request.params = {{"limit", std::to_string(kPageSize)}};
        if (!after.empty())
            request.params.emplace_back("starting_after", after);
        const RemoteInstallsPage parsed = parseRemoteInstallsPage(client.send(request).body, livemode);
        all.insert(all.end(), parsed.installs.begin(), parsed.installs.end());
        if (!parsed.hasMore)
            return all;
        if (!cursors.insert(parsed.lastId).second)
            throw UnexpectedAnswer("the installs list repeats itself (starting_after=" + parsed.lastId +
                                   " came back twice)");
        after = parsed.lastId;
    }
    throw UnexpectedAnswer("the installs list did not end after " + std::to_string(kMaxPages) + " pages");
}

std::string describe(const SyncChange& change)
{
    const std::string who = change.accountId + " (" + (change.livemode ? "live" : "test") + " mode)";
    switch (change.action) {
    case SyncAction::Add: return who + ": installed on Stripe, not recorded here";
    case SyncAction::Reactivate: return who + ": installed on Stripe, revoked here";
    case SyncAction::Revoke: return who + ": active here, no longer installed on Stripe";
    }
    return who;
}

const char* pastTense(SyncAction action)
{
    switch (action) {
    case SyncAction::Add: return "added";
    case SyncAction::Reactivate: return "reactivated";
    case SyncAction::Revoke: return "revoked";
    }
    return "changed";
}

bool expected(const AppliedChange& applied)
{
    return applied.change.action == SyncAction::Revoke ? applied.effect == WebhookEffect::Revoked
                                                       : applied.effect == WebhookEffect::Recorded;
}

} // namespace

int syncInstalls(const AppConfig& config, std::optional<bool> livemode, bool dryRun)
{
    const auto keyMode = apiKeyLivemode(config.apiKey);
    if (!config.apiKey.empty() && keyMode && livemode && *keyMode != *livemode) {
        std::cerr << "installs: sync: the API key is a " << (*keyMode ? "live" : "test")
                  << "-mode key: it lists only " << (*keyMode ? "live" : "test")
                  << "-mode installs (drop --livemode, or use the other key)\n";
        return 2;
    }
    if (!config.apiKey.empty() && !keyMode && !livemode) {
        std::cerr << "installs: sync: cannot tell the API key's mode from its prefix: say --livemode live or "
                     "--livemode test (only installs of that mode are compared)\n";
        return 2;
    }
    const bool mode = livemode ? *livemode : keyMode.value_or(true);
    const char* modeName = mode ? "live" : "test";
    try {
        const auto client = connectStripeApi(StripeApiSettings::from(config),
                                             [](const std::string& line) { std::cerr << line << "\n"; });
        const std::vector<RemoteInstall> remote = fetchAll(*client, mode);
        auto store = openStore(config);
        InstallFilter filter;
        filter.livemode = mode;
        const std::vector<Install> local = store->listInstalls(filter);
        std::size_t installedRemotely = 0;
        for (const RemoteInstall& item : remote)
            installedRemotely += item.installed && item.livemode == mode ? 1 : 0;
        std::size_t activeHere = 0;
        for (const Install& install : local)
            activeHere += install.active() ? 1 : 0;
        std::cout << "Stripe lists " << installedRemotely << " " << modeName << "-mode install"
                  << (installedRemotely == 1 ? "" : "s") << "; " << activeHere << " active here\n";

        const std::vector<SyncChange> changes = planInstallSync(remote, local, mode);
        if (changes.empty()) {
            std::cout << "in sync: nothing to change\n";
            return 0;
        }
        if (dryRun) {
            for (const SyncChange& change : changes)
                std::cout << "would be " << pastTense(change.action) << ": " << describe(change) << "\n";
            std::cout << "dry run: " << changes.size() << " change" << (changes.size() == 1 ? "" : "s")
                      << " found, nothing changed\n";
            return 0;
        }
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        std::size_t made = 0;
        for (const AppliedChange& applied : applyInstallSync(*store, changes, now)) {
            if (expected(applied)) {
                ++made;
                std::cout << pastTense(applied.change.action) << ": " << describe(applied.change) << "\n";
            } else {
                std::cout << "unchanged (" << toCode(applied.effect) << "): " << describe(applied.change) << "\n";
            }
        }
        std::cout << "synced: " << made << " change" << (made == 1 ? "" : "s") << " made\n";
        return 0;
    } catch (const StripeApiError& e) {
        std::cerr << "installs: sync: " << e.what() << "\n";
    } catch (const UnexpectedAnswer& e) {
        std::cerr << "installs: sync: unexpected answer from Stripe: " << e.what() << " (nothing changed)\n";
    } catch (const StoreError& e) {
        std::cerr << "installs: database: " << e.what() << "\n";
    } catch (const ModuleError& e) {
        std::cerr << "installs: sync: " << e.what() << "\n";
    }
    return 1;
}

} // namespace si::cli
