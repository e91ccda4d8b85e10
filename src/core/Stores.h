#pragma once
// The ports the install flow and the webhook endpoint depend on. The SQL
// store (src/store) implements them; the core never sees SQL.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace si {

/// A minted state as stored: only digests, never the token or cookie itself.
struct StateRecord {
    std::string tokenHash;   ///< stateKey(state token): its time prefix + SHA-256
    std::string browserHash; ///< sha256Hex(browser-binding cookie value)
    std::string ref;         ///< the app's own reference for the visitor ("" = none)
    std::int64_t createdAt = 0;
    std::int64_t expiresAt = 0;
    /// Counted in the funnel (Store::countFunnel, no reason) in the same
    /// transaction as the state, so a page view costs one write, not two;
    /// "" counts nothing.
    std::string funnelMetric;
};

/// One install of the app on one Stripe account, in live or test mode.
/// (account_id, livemode) is the key: test and live installs are distinct.
struct Install {
    std::string accountId;
    std::string userId;          ///< "" when unknown (installs learnt from webhooks)
    bool livemode = true;
    std::string ref;             ///< from the state the install came through
    std::int64_t installedAt = 0;
    std::int64_t updatedAt = 0;
    std::optional<std::int64_t> revokedAt;
    std::string revokedBy;       ///< "webhook" or "cli" (by hand), "" when active
    std::string revokeEventId;   ///< the webhook event that revoked it
    std::string source;          ///< "callback" or "webhook"
    bool active() const { return !revokedAt.has_value(); }
};

/// Why consuming a state did or did not succeed.
enum class ConsumeOutcome {
    Consumed,     ///< the state was valid and is now used; the install is recorded
    Unknown,      ///< no such state (never minted here, or purged long ago)
    AlreadyUsed,  ///< consumed before: a replay
    Expired,      ///< past its expiry
    OtherBrowser, ///< minted for another browser (cookie missing or different)
};
std::string toCode(ConsumeOutcome outcome);

struct ConsumeResult {
    ConsumeOutcome outcome = ConsumeOutcome::Unknown;
    Install install; ///< as recorded, when Consumed (ref filled from the state)
};

struct InstallFilter {
    std::optional<bool> active;   ///< true: active only; false: revoked only
    std::optional<bool> livemode; ///< true: live only; false: test only
};

/// A verified, parsed webhook event: just what the store needs.
struct WebhookEvent {
    std::string id;        ///< evt_…
    std::string type;      ///< e.g. account.application.deauthorized
    std::string accountId; ///< the event's top-level `account`
    bool livemode = true;
    std::int64_t created = 0;
};

enum class WebhookEffect {
    Revoked,     ///< the install was marked revoked
    Recorded,    ///< an install was recorded or reactivated
    Duplicate,   ///< this event id was applied before: nothing changed
    Stale,       ///< older than the install's current state: nothing changed
    NoInstall,   ///< a revocation for an account with no install: nothing changed
    Ignored,     ///< an event type the page does not act on
};
std::string toCode(WebhookEffect effect);

/// What the action of a webhook event type is.
enum class WebhookAction { Revoke, Record, None };
WebhookAction webhookActionFor(const std::string& eventType);

/// One change in an install's life, for its history (the admin page).
struct InstallEvent {
    std::string accountId;
    bool livemode = true;
    std::string change; ///< "installed", "reinstalled", "revoked", "reactivated"
    std::string by;     ///< "callback", "webhook:evt_…", "cli", "admin", "sync"
    std::int64_t at = 0;
};

/// The UTC day of a Unix time, "YYYY-MM-DD" (the funnel's day).
std::string utcDay(std::int64_t unixSeconds);

/// One funnel counter for one UTC day (issue 10's install funnel).
struct FunnelCount {
    std::string day;    ///< "2026-11-28"
    std::string metric; ///< "page_view", "start", "installed", "cancelled", "failed", "revoked"
    std::string reason; ///< for "failed": the outcome code (bad_signature, state_expired, …); else ""
    std::int64_t count = 0;
};

/// The storage port. Every method is atomic on its own and safe with many
/// processes sharing one database. Infrastructure faults (database locked
/// past the busy timeout, unwritable, corrupt) are thrown as StoreError.
class Store {
public:
    virtual ~Store() = default;

    /// Stores a freshly minted state; also purges long-expired states, so no
    /// separate clean-up job is needed. The funnel is statistics: when its
    /// metric cannot be counted the state is stored all the same, and the
    /// answer says why (nullopt: counted, or nothing to count).
    virtual std::optional<std::string> saveState(const StateRecord& state) = 0;

    /// In one transaction: consumes the state `tokenHash` if it exists, is
    /// unused, unexpired at `now` and bound to `browserHash`, then records
    /// `install` (ref taken from the state; a re-install updates the row and
    /// clears any revocation). Of any number of concurrent calls for one
    /// state, exactly one gets Consumed. On any other outcome nothing changes.
    virtual ConsumeResult consumeStateAndRecordInstall(const std::string& tokenHash,
                                                       const std::string& browserHash,
                                                       std::int64_t now, const Install& install) = 0;

    /// Deletes states that expired before `before`; returns how many.
    virtual std::size_t purgeExpiredStates(std::int64_t before) = 0;

    virtual std::vector<Install> findInstalls(const std::string& accountId) = 0;
    virtual std::vector<Install> listInstalls(const InstallFilter& filter) = 0;

    /// Marks the account's active installs (both modes) revoked by hand;
    /// `by` ("cli", "admin") is recorded as revoked_by and in the history.
    /// Returns how many rows changed.
    virtual std::size_t revokeByHand(const std::string& accountId, std::int64_t now,
                                     const std::string& by = "cli") = 0;

    /// Applies a verified webhook event once: idempotent by event id; a
    /// revocation older than the install (event.created < installed_at) or a
    /// record older than the revocation does nothing (Stale).
    virtual WebhookEffect applyWebhookEvent(const WebhookEvent& event, std::int64_t now) = 0;

    /// Throws StoreError when the database does not answer.
    virtual void ping() = 0;

    // --- The merchant's side (issue 10) ---------------------------------
    // Every install change above also appends an InstallEvent and counts
    // "installed"/"revoked" in the funnel, and, when notifications are
    // enabled, inserts an outbox entry (core/Outbox.h) — all in the same
    // transaction as the change itself.

    /// The account's install history, oldest first.
    virtual std::vector<InstallEvent> installHistory(const std::string& accountId) = 0;

    /// Adds one to a funnel counter for the UTC day of `now`.
    virtual void countFunnel(std::int64_t now, const std::string& metric, const std::string& reason) = 0;
    /// Every counter for the days from `sinceDay` ("YYYY-MM-DD") on, by
    /// day, metric, reason.
    virtual std::vector<FunnelCount> funnel(const std::string& sinceDay) = 0;

    /// Admin login throttling, shared by every process.
    virtual void recordLoginFailure(const std::string& client, std::int64_t at) = 0;
    /// The failures of `client` at or after `since`, oldest first.
    virtual std::vector<std::int64_t> loginFailuresSince(const std::string& client, std::int64_t since) = 0;
    virtual void clearLoginFailures(const std::string& client) = 0;
};

} // namespace si
