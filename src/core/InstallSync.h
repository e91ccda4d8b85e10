#pragma once
// Keeping the local install table true to Stripe's list of the app's
// installs, even when a webhook was missed: parse the list pages, plan the
// changes, apply them through the Store port. Pure but for the Store calls.
//
// Stripe answers GET /v1/apps/installs with a list object:
//   {"object":"list","data":[{"id":"…","account":"acct_…","livemode":true,
//    "created":1700000000,…},…],"has_more":true,"url":"/v1/apps/installs"}
// and the next page is asked for with starting_after=<last id of data>.
// "account" may also be an expanded object with an "id", or "account_id".
// An item with "deleted": true or a "status" of uninstalled/deleted/revoked
// counts as not installed.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/Stores.h"

namespace si {

struct RemoteInstall {
    std::string id;          ///< Stripe's id of the install ("" when absent)
    std::string accountId;
    bool livemode = true;
    std::int64_t created = 0;
    bool installed = true;   ///< false for items marked deleted/uninstalled
};

struct RemoteInstallsPage {
    std::vector<RemoteInstall> installs;
    bool hasMore = false;
    std::string lastId;      ///< starting_after for the next page
};

/// An answer that is not the list Stripe documents; the message says what
/// was wrong with it.
class UnexpectedAnswer : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses one page. Items without "livemode" take `keyLivemode`. Throws
/// UnexpectedAnswer for anything but a list object, an item without an
/// account, or has_more with nothing to continue from.
RemoteInstallsPage parseRemoteInstallsPage(const std::string& json, bool keyLivemode);

enum class SyncAction {
    Add,        ///< installed on Stripe, unknown here: record it
    Reactivate, ///< installed on Stripe, revoked here: clear the revocation
    Revoke,     ///< active here, not installed on Stripe: mark it revoked
};
std::string toCode(SyncAction action); ///< "add", "reactivate", "revoke"

struct SyncChange {
    SyncAction action = SyncAction::Add;
    std::string accountId;
    bool livemode = true;
    std::string remoteId; ///< the install on Stripe (Add/Reactivate)
};

/// What to change so `local` (the installs of one mode) matches `remote`
/// (every install Stripe listed for that mode), ordered by account. Remote
/// items of the other mode or not installed are treated as absent.
std::vector<SyncChange> planInstallSync(const std::vector<RemoteInstall>& remote, const std::vector<Install>& local,
                                        bool livemode);

/// The webhook event that makes `change` through Store::applyWebhookEvent:
/// type apps.install.created or apps.install.deleted, created `now`, id
/// "sync:<install id, or account:mode>:<action>:<now>" (unique per run, so a
/// later run can change the same install again; the id marks it as sync's).
WebhookEvent syncEvent(const SyncChange& change, std::int64_t now);

struct AppliedChange {
    SyncChange change;
    WebhookEffect effect = WebhookEffect::Ignored;
};

/// Applies each change through the store's idempotent webhook path.
/// Throws StoreError as the store does.
std::vector<AppliedChange> applyInstallSync(Store& store, const std::vector<SyncChange>& changes, std::int64_t now);

/// The name to greet an account by, from a GET /v1/accounts/{id} answer:
/// settings.dashboard.display_name, else business_profile.name; nothing when
/// neither is a non-empty string or the JSON does not parse.
std::optional<std::string> accountDisplayName(const std::string& accountJson);

} // namespace si
