#include "store/SqlStore.h"

#include "store/MerchantTables.h"
#include "store/PostgresModule.h"
#include "store/Schema.h"
#include "store/SqlDialect.h"

#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <Poco/String.h>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace si {
namespace {

/// Expired states are kept this long, so a late visitor hears "expired".
constexpr std::int64_t kKeepExpiredSeconds = 3600;

const std::string kSelectInstalls =
    "SELECT account_id, livemode, user_id, ref, installed_at, updated_at, revoked_at,"
    " revoked_by, revoke_event_id, source FROM installs ";
const std::string kNewestFirst = " ORDER BY installed_at DESC, account_id, livemode DESC";

/// Sets WAL journal mode and returns the mode now in force. Switching a new
/// file to WAL needs it to itself for a moment, and there SQLite answers
/// "locked" at once instead of calling the busy handler; so, for several
/// processes opening a new file together, retry within the busy timeout.
std::string switchToWal(Session& session, int busyTimeoutMs)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busyTimeoutMs);
    for (;;) {
        try {
            std::string mode;
            session << "PRAGMA journal_mode = WAL", into(mode), now;
            return Poco::toLower(mode);
        } catch (const Poco::Data::SQLite::DBLockedException&) {
            if (std::chrono::steady_clock::now() >= deadline)
                throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
}

/// A connection that closes last checkpoints the WAL into the database and
/// fsyncs both: about 40 ms here, paid by every plain-CGI request (the
/// profile of `make bench` showed it). SQLite has no PRAGMA for this. The
/// automatic checkpoints (every 1000 WAL pages) still run, so the WAL stays
/// small; with synchronous=NORMAL nothing committed is lost but on power loss.
void skipCheckpointOnClose(Session& session)
{
    sqlite3_db_config(Poco::Data::SQLite::Utility::dbHandle(session), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

/// Poco's PostgreSQL connector wraps libpq's message: "postgresql_stmt_execute
/// error: ERROR:  <message>\n Severity: … State: …"; keep the message.
std::string postgresMessage(std::string message)
{
    const std::size_t prefix = message.find("postgresql_");
    if (prefix == std::string::npos)
        return message;
    const std::size_t colon = message.find("error: ", prefix);
    if (colon != std::string::npos)
        message = message.substr(0, prefix) + message.substr(colon + 7);
    const std::size_t severity = message.find(" Severity: ");
    const std::size_t state = message.find(" State: ", severity == std::string::npos ? 0 : severity);
    std::string code;
    if (state != std::string::npos)
        code = message.substr(state + 8, message.find(' ', state + 8) - state - 8);
    if (severity != std::string::npos)
        message.erase(severity);
    for (const char* level : {"ERROR:  ", "FATAL:  "})
        for (std::size_t at; (at = message.find(level)) != std::string::npos;)
            message.erase(at, std::string(level).size());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    std::replace(message.begin(), message.end(), '\n', ' ');
    return code.empty() || code == "N/A" ? message : message + " (SQLSTATE " + code + ")";
}

/// Poco repeats SQLite's text ("file is not a database: file is not a
/// database"); keep each part once.
std::string causeOf(const Poco::Exception& error)
{
    const std::string message = postgresMessage(error.message().empty() ? error.name() : error.message());
    std::string cause;
    std::string previous;
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = message.find(": ", start);
        if (end == std::string::npos)
            end = message.size();
        const std::string part = message.substr(start, end - start);
        if (part != previous && !part.empty())
            cause += (cause.empty() ? "" : ": ") + part;
        previous = part;
        start = end + 2;
    }
    return cause;
}

/// The result columns of kSelectInstalls, one vector per column.
struct InstallRows {
    std::vector<std::string> accountId, userId, ref, revokedBy, revokeEventId, source;
    std::vector<int> livemode;
    std::vector<Poco::Int64> installedAt, updatedAt;
    std::vector<Poco::Nullable<Poco::Int64>> revokedAt;

    void clear()
    {
        *this = InstallRows();
    }
    std::vector<Install> toInstalls() const
    {
        std::vector<Install> installs(accountId.size());
        for (std::size_t i = 0; i < installs.size(); ++i) {
            Install& install = installs[i];
            install.accountId = accountId.at(i);
            install.livemode = livemode.at(i) != 0;
            install.userId = userId.at(i);
            install.ref = ref.at(i);
            install.installedAt = installedAt.at(i);
            install.updatedAt = updatedAt.at(i);
            if (!revokedAt.at(i).isNull())
                install.revokedAt = revokedAt.at(i).value();
            install.revokedBy = revokedBy.at(i);
            install.revokeEventId = revokeEventId.at(i);
            install.source = source.at(i);
        }
        return installs;
    }
};

} // namespace

/// The prepared statements, bound once to the values below: a call sets the
/// values, then executes. Rebuilt after any exception.
struct SqlStore::Prepared {
    // Inputs.
    std::string token, browser, ref, account, user, eventId, eventType, effect, revokedBy;
    Poco::Int64 now = 0, created = 0, expires = 0, before = 0;
    int livemode = 1, activeFilter = -1, livemodeFilter = -1;
    // Outputs.
    std::vector<Poco::Nullable<Poco::Int64>> stateConsumedAt;
    std::vector<Poco::Int64> stateExpiresAt;
    std::vector<std::string> stateBrowser, stateRef;
    InstallRows installs;
    int count = 0;

    Statement begin, commit, rollback, ping, serialiseWebhooks;
    bool serialisesWebhooks = false; ///< serialiseWebhooks holds a statement (PostgreSQL)
    Statement insertState, purgeStates, consumeState, selectState;
    Statement upsertInstall, selectInstall, selectAccount, selectFiltered, revokeByHand;
    Statement findEvent, insertEvent, revokeByWebhook, insertFromWebhook, reactivate;

    Prepared(Session& s, const SqlDialect& d)
        : begin(s), commit(s), rollback(s), ping(s), serialiseWebhooks(s), insertState(s), purgeStates(s), consumeState(s),
          selectState(s), upsertInstall(s), selectInstall(s), selectAccount(s), selectFiltered(s),
          revokeByHand(s), findEvent(s), insertEvent(s), revokeByWebhook(s), insertFromWebhook(s),
          reactivate(s)
    {
        // Portable SQL, through the dialect (placeholders, types); the
        // dialect's differences are named where they are used.
        const auto sql = [&d](const std::string& text) { return d.sql(text); };
        begin << d.beginWrite();
        serialisesWebhooks = !d.serialise(SqlDialect::kWebhookLock).empty();
        if (serialisesWebhooks)
            serialiseWebhooks << d.serialise(SqlDialect::kWebhookLock), into(count);
        commit << "COMMIT";
        rollback << "ROLLBACK";
        ping << "SELECT 1", into(count);
        insertState << sql("INSERT INTO install_states (token_hash, browser_hash, ref, created_at, expires_at)"
                           " VALUES (?, ?, ?, ?, ?)"),
            use(token), use(browser), use(ref), use(created), use(expires);
        purgeStates << sql("DELETE FROM install_states WHERE expires_at < ?"), use(before);
        consumeState << sql("UPDATE install_states SET consumed_at = ? WHERE token_hash = ?"
                            " AND consumed_at IS NULL AND expires_at > ? AND browser_hash = ?"),
            use(now), use(token), use(now), use(browser);
        selectState << sql("SELECT consumed_at, expires_at, browser_hash, ref FROM install_states"
                           " WHERE token_hash = ?"),
            use(token), into(stateConsumedAt), into(stateExpiresAt), into(stateBrowser), into(stateRef);
        upsertInstall << sql("INSERT INTO installs (account_id, livemode, user_id, ref, installed_at,"
                             " updated_at, revoked_at, revoked_by, revoke_event_id, source)"
                             " VALUES (?, ?, ?, ?, ?, ?, NULL, '', '', 'callback')"
                             " ON CONFLICT (account_id, livemode) DO UPDATE SET user_id = excluded.user_id,"
                             " ref = excluded.ref, installed_at = excluded.installed_at,"
                             " updated_at = excluded.updated_at, revoked_at = NULL, revoked_by = '',"
                             " revoke_event_id = '', source = 'callback'"),
            use(account), use(livemode), use(user), use(ref), use(now), use(now);
        // Locked on PostgreSQL: a webhook reads the row, then decides.
        selectInstall << sql(kSelectInstalls + "WHERE account_id = ? AND livemode = ?" + d.lockRows()), use(account),
            use(livemode);
        intoInstalls(selectInstall);
        selectAccount << sql(kSelectInstalls + "WHERE account_id = ?" + kNewestFirst), use(account);
        intoInstalls(selectAccount);
        selectFiltered << sql(kSelectInstalls +
                                  "WHERE (? < 0 OR (CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END) = ?)"
                                  " AND (? < 0 OR livemode = ?)" + kNewestFirst),
            use(activeFilter), use(activeFilter), use(livemodeFilter), use(livemodeFilter);
        intoInstalls(selectFiltered);
        revokeByHand << sql("UPDATE installs SET revoked_at = ?, updated_at = ?, revoked_by = ?,"
                            " revoke_event_id = '' WHERE account_id = ? AND revoked_at IS NULL"),
            use(now), use(now), use(revokedBy), use(account);
        findEvent << sql("SELECT COUNT(*) FROM webhook_events WHERE event_id = ?"), use(eventId), into(count);
        insertEvent << sql("INSERT INTO webhook_events (event_id, type, account_id, created, received_at, effect)"
                           " VALUES (?, ?, ?, ?, ?, ?)"),
            use(eventId), use(eventType), use(account), use(created), use(now), use(effect);
        revokeByWebhook << sql("UPDATE installs SET revoked_at = ?, updated_at = ?, revoked_by = 'webhook',"
                               " revoke_event_id = ? WHERE account_id = ? AND livemode = ?"),
            use(now), use(now), use(eventId), use(account), use(livemode);
        insertFromWebhook << sql("INSERT INTO installs (account_id, livemode, user_id, ref, installed_at,"
                                 " updated_at, source) VALUES (?, ?, '', '', ?, ?, 'webhook')"),
            use(account), use(livemode), use(created), use(now);
        reactivate << sql("UPDATE installs SET revoked_at = NULL, revoked_by = '', revoke_event_id = '',"
                          " installed_at = ?, updated_at = ?, source = 'webhook'"
                          " WHERE account_id = ? AND livemode = ?"),
            use(created), use(now), use(account), use(livemode);
    }

    /// Reads the state `token` into the state* vectors (empty: no such state).
    void fetchState()
    {
        stateConsumedAt.clear();
        stateExpiresAt.clear();
        stateBrowser.clear();
        stateRef.clear();
        selectState.execute();
    }

    std::vector<Install> fetchInstalls(Statement& statement)
    {
        installs.clear();
        statement.execute();
        return installs.toInstalls();
    }

private:
    /// Binds the columns of kSelectInstalls, in order.
    void intoInstalls(Statement& statement)
    {
        statement, into(installs.accountId), into(installs.livemode), into(installs.userId),
            into(installs.ref), into(installs.installedAt), into(installs.updatedAt),
            into(installs.revokedAt), into(installs.revokedBy), into(installs.revokeEventId),
            into(installs.source);
    }
};

/// The dialect's write BEGIN … COMMIT; rolls back unless committed or rolled
/// back.
class SqlStore::Transaction {
public:
    Transaction(Session& session, Prepared& prepared) : _session(session), _prepared(prepared)
    {
        _prepared.begin.execute();
        _open = true;
    }
    ~Transaction()
    {
        if (!_open)
            return;
        try {
            // A fresh statement: the prepared ones may be what failed.
            _session << "ROLLBACK", now;
        } catch (...) {
            // Rolled back already (SQLite: SQLITE_FULL, IOERR, …;
            // PostgreSQL: the connection dropped).
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit()
    {
        _prepared.commit.execute();
        _open = false;
    }
    void rollback()
    {
        _prepared.rollback.execute();
        _open = false;
    }

private:
    Session& _session;
    Prepared& _prepared;
    bool _open = false;
};

SqlStore::SqlStore(const std::string& connector, const std::string& connectionString, int busyTimeoutMs,
                   const std::string& password, StoreOptions options)
    : _dialect(std::make_unique<SqlDialect>(SqlDialect::forConnector(connector))),
      _databaseName(_dialect->displayName(connectionString)), _busyTimeoutMs(busyTimeoutMs), _options(options)
{
    _connectionString = _dialect->connectorString(connectionString, password);
    if (busyTimeoutMs < 0)
        throw StoreError("the busy timeout must be 0 ms or more, not " + std::to_string(busyTimeoutMs) +
                         " ms ([database] busy_timeout_ms)");
    try {
        open();
    } catch (const StoreError&) {
        _session.reset();
        throw;
    } catch (const Poco::Exception& error) {
        _session.reset();
        throw translate(error);
    } catch (const std::exception& error) {
        _session.reset();
        throw StoreError(std::string(error.what()) + ": " + _databaseName);
    }
}

SqlStore::~SqlStore()
{
    _prepared.reset(); // statements before their session
    _session.reset();
}

const SqlDialect& SqlStore::dialect() const
{
    return *_dialect;
}

void SqlStore::open()
{
    const std::string connector = _dialect->registerConnector();
    if (_dialect->isPostgres()) {
        // libpq connects (its connect_timeout applies), reading PGPASSWORD
        // or ~/.pgpass itself when the conninfo has no password.
        // Poco 1.11 leaks libpq's connection object when a connect fails, so
        // an unreachable server (an outage: every request tries again) is
        // found with PQping, which frees what it allocates.
        if (postgres::noResponse(_connectionString))
            throw StoreError("could not connect to the PostgreSQL server (is it running, and is the host and port"
                             " in [database] connection right?): " + _databaseName);
        // Kept only once set up, so that a failed reconnect is tried again.
        auto session = std::make_unique<Session>(connector, _connectionString);
        for (const std::string& statement : _dialect->sessionSetup(_busyTimeoutMs))
            *session << statement, now;
        Schema::migrate(*session, *_dialect, _databaseName, static_cast<std::int64_t>(std::time(nullptr)));
        _session = std::move(session);
        return;
    }
    // Poco retries a failed open for its login timeout (60 s by default) and
    // makes that the busy timeout: an open does not wait on locks, so fail
    // at once, and set the busy timeout ourselves before anything locks.
    _session = std::make_unique<Session>(connector, _connectionString, 0);
    Session& session = *_session;
    int busyTimeout = 0;
    session << _dialect->sessionSetup(_busyTimeoutMs).at(0), into(busyTimeout), now;
    // WAL lets readers and one writer proceed together; it persists in the
    // file, so this is a no-op after the first open.
    const std::string mode = switchToWal(session, _busyTimeoutMs);
    if (mode != "wal" && mode != "memory")
        throw StoreError("could not switch the database to WAL journal mode (it stays in \"" + mode +
                         "\" mode; is it on a network file system, or opened by an older program?): " +
                         _databaseName);
    // NORMAL is durable in WAL mode except for the last commits on power loss.
    session << "PRAGMA synchronous = NORMAL", now;
    session << "PRAGMA foreign_keys = ON", now;
    skipCheckpointOnClose(session);
    Schema::migrate(session, *_dialect, _databaseName, static_cast<std::int64_t>(std::time(nullptr)));
}

SqlStore::Prepared& SqlStore::prepared()
{
    if (!_prepared)
        _prepared = std::make_unique<Prepared>(*_session, *_dialect);
    return *_prepared;
}

StoreError SqlStore::translate(const Poco::Exception& error) const
{
    const std::string cause = causeOf(error);
    if (dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&error) ||
        dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&error) ||
        _dialect->isLockTimeout(cause))
        return StoreError("database is locked (busy for more than " + std::to_string(_busyTimeoutMs) +
                          " ms): " + _databaseName);
    return StoreError(cause + ": " + _databaseName);
}

template <class Work>
auto SqlStore::guarded(Work&& work) -> decltype(work(std::declval<Prepared&>()))
{
    std::lock_guard<std::mutex> lock(_mutex);
    try {
        if (!_session)
            open(); // the connection was lost: a new one
        return work(prepared());
    } catch (const StoreError&) {
        dropBroken();
        throw;
    } catch (const Poco::Exception& error) {
        dropBroken();
        throw translate(error);
    } catch (const std::exception& error) {
        dropBroken();
        throw StoreError(std::string(error.what()) + ": " + _databaseName);
    }
}

void SqlStore::dropBroken()
{
    _prepared.reset();
    // A PostgreSQL server restarted or a network cut leaves the connection
    // dead for good: drop it, and the next call connects again. (An SQLite
    // connection to a file does not break this way.)
    if (_session && _dialect->isPostgres()) {
        bool alive = false;
        try {
            alive = postgres::sessionAlive(_session->getProperty("handle"));
        } catch (...) {
        }
        if (!alive)
            _session.reset();
    }
}

void SqlStore::saveState(const StateRecord& state)
{
    guarded([&](Prepared& p) {
        p.token = state.tokenHash;
        p.browser = state.browserHash;
        p.ref = state.ref;
        p.created = state.createdAt;
        p.expires = state.expiresAt;
        p.before = state.createdAt - kKeepExpiredSeconds;
        Transaction transaction(*_session, p);
        p.insertState.execute();
        p.purgeStates.execute();
        transaction.commit();
    });
}

ConsumeResult SqlStore::consumeStateAndRecordInstall(const std::string& tokenHash,
                                                     const std::string& browserHash, std::int64_t now,
                                                     const Install& install)
{
    return guarded([&](Prepared& p) {
        p.token = tokenHash;
        p.browser = browserHash;
        p.now = now;
        ConsumeResult result;
        Transaction transaction(*_session, p);
        // The conditional UPDATE is the whole race: under the write lock
        // exactly one caller finds consumed_at still NULL.
        if (p.consumeState.execute() != 1) {
            result.outcome = classifyUnconsumed(p, now);
            transaction.rollback();
            return result;
        }
        p.fetchState();
        p.account = install.accountId;
        p.livemode = install.livemode ? 1 : 0;
        p.user = install.userId;
        p.ref = p.stateRef.at(0);
        const std::vector<Install> before = p.fetchInstalls(p.selectInstall);
        p.upsertInstall.execute();
        const std::vector<Install> rows = p.fetchInstalls(p.selectInstall);
        recordChange(before.empty() ? std::nullopt : std::optional(before.front()), rows.at(0),
                     before.empty() ? "installed" : "reinstalled", "callback", now, "installed");
        transaction.commit();
        result.outcome = ConsumeOutcome::Consumed;
        result.install = rows.at(0);
        return result;
    });
}

ConsumeOutcome SqlStore::classifyUnconsumed(Prepared& p, std::int64_t now)
{
    p.fetchState();
    if (p.stateExpiresAt.empty())
        return ConsumeOutcome::Unknown;
    if (!p.stateConsumedAt.front().isNull())
        return ConsumeOutcome::AlreadyUsed;
    if (p.stateExpiresAt.front() <= now)
        return ConsumeOutcome::Expired;
    if (p.stateBrowser.front() != p.browser)
        return ConsumeOutcome::OtherBrowser;
    return ConsumeOutcome::Unknown; // unreachable: the UPDATE would have matched
}

std::size_t SqlStore::purgeExpiredStates(std::int64_t before)
{
    return guarded([&](Prepared& p) {
        p.before = before;
        Transaction transaction(*_session, p);
        const std::size_t purged = p.purgeStates.execute();
        transaction.commit();
        return purged;
    });
}

std::vector<Install> SqlStore::findInstalls(const std::string& accountId)
{
    return guarded([&](Prepared& p) {
        p.account = accountId;
        return p.fetchInstalls(p.selectAccount);
    });
}

std::vector<Install> SqlStore::listInstalls(const InstallFilter& filter)
{
    return guarded([&](Prepared& p) {
        p.activeFilter = filter.active ? (*filter.active ? 1 : 0) : -1;
        p.livemodeFilter = filter.livemode ? (*filter.livemode ? 1 : 0) : -1;
        return p.fetchInstalls(p.selectFiltered);
    });
}

std::size_t SqlStore::revokeByHand(const std::string& accountId, std::int64_t now, const std::string& by)
{
    return guarded([&](Prepared& p) {
        p.account = accountId;
        p.now = now;
        p.revokedBy = by;
        Transaction transaction(*_session, p);
        const std::vector<Install> before = p.fetchInstalls(p.selectAccount);
        const std::size_t revoked = p.revokeByHand.execute();
        const std::vector<Install> after = p.fetchInstalls(p.selectAccount);
        for (const Install& was : before) {
            if (!was.active())
                continue;
            for (const Install& is : after)
                if (is.livemode == was.livemode && !is.active())
                    recordChange(was, is, "revoked", by, now, "revoked");
        }
        transaction.commit();
        return revoked;
    });
}

WebhookEffect SqlStore::applyWebhookEvent(const WebhookEvent& event, std::int64_t now)
{
    return guarded([&](Prepared& p) {
        p.eventId = event.id;
        p.eventType = event.type;
        p.account = event.accountId;
        p.livemode = event.livemode ? 1 : 0;
        p.created = event.created;
        p.now = now;
        Transaction transaction(*_session, p);
        // PostgreSQL: one webhook event at a time across every connection,
        // so the id check below and the install it reads stay true until
        // commit (SQLite's BEGIN IMMEDIATE already holds the one write lock).
        if (p.serialisesWebhooks)
            p.serialiseWebhooks.execute();
        p.count = 0;
        p.findEvent.execute();
        if (p.count > 0) {
            transaction.rollback();
            return WebhookEffect::Duplicate;
        }
        const WebhookEffect effect = applyWebhookAction(p, event);
        p.effect = toCode(effect);
        p.insertEvent.execute();
        transaction.commit();
        return effect;
    });
}

WebhookEffect SqlStore::applyWebhookAction(Prepared& p, const WebhookEvent& event)
{
    const WebhookAction action = webhookActionFor(event.type);
    if (action == WebhookAction::None || event.accountId.empty())
        return WebhookEffect::Ignored;
    const std::vector<Install> rows = p.fetchInstalls(p.selectInstall);
    // `installs sync` applies its changes as events with "sync:…" ids.
    const std::string by = event.id.rfind("sync:", 0) == 0 ? "sync" : "webhook:" + event.id;
    if (action == WebhookAction::Revoke) {
        if (rows.empty())
            return WebhookEffect::NoInstall;
        // Already revoked, or re-installed after the event was sent.
        if (!rows.front().active() || rows.front().installedAt > event.created)
            return WebhookEffect::Stale;
        p.revokeByWebhook.execute();
        recordChange(rows.front(), p.fetchInstalls(p.selectInstall).at(0), "revoked", by, p.now, "revoked");
        return WebhookEffect::Revoked;
    }
    if (rows.empty()) {
        p.insertFromWebhook.execute();
        // Not counted as "installed": the callback of the same install is.
        recordChange(std::nullopt, p.fetchInstalls(p.selectInstall).at(0), "installed", by, p.now, "");
        return WebhookEffect::Recorded;
    }
    if (rows.front().active())
        return WebhookEffect::Recorded; // known already: nothing to change
    if (*rows.front().revokedAt > event.created)
        return WebhookEffect::Stale; // revoked after this install event
    p.reactivate.execute();
    recordChange(rows.front(), p.fetchInstalls(p.selectInstall).at(0), "reactivated", by, p.now, "");
    return WebhookEffect::Recorded;
}

void SqlStore::recordChange(const std::optional<Install>& before, const Install& after, const std::string& change,
                            const std::string& by, std::int64_t now, const std::string& funnelMetric)
{
    merchanttables::appendInstallEvent(*_session, *_dialect, InstallEvent{after.accountId, after.livemode, change, by, now});
    if (!funnelMetric.empty())
        merchanttables::countFunnel(*_session, *_dialect, utcDay(now), funnelMetric, "");
    if (!_options.notifications)
        return;
    if (const auto type = notificationTypeFor(before, after))
        merchanttables::insertOutboxEntry(
            *_session, *_dialect, newOutboxEntry(makeNotification(mintNotificationId(_random), *type, after, now)));
}

void SqlStore::ping()
{
    guarded([&](Prepared& p) {
        p.count = 0;
        p.ping.execute();
        if (p.count != 1)
            throw StoreError("the database did not answer SELECT 1: " + _databaseName);
    });
}

// --- The merchant's side ----------------------------------------------------

std::vector<InstallEvent> SqlStore::installHistory(const std::string& accountId)
{
    return guarded([&](Prepared&) { return merchanttables::installHistory(*_session, *_dialect, accountId); });
}

void SqlStore::countFunnel(std::int64_t now, const std::string& metric, const std::string& reason)
{
    guarded([&](Prepared&) { merchanttables::countFunnel(*_session, *_dialect, utcDay(now), metric, reason); });
}

std::vector<FunnelCount> SqlStore::funnel(const std::string& sinceDay)
{
    return guarded([&](Prepared&) { return merchanttables::funnel(*_session, *_dialect, sinceDay); });
}

void SqlStore::recordLoginFailure(const std::string& client, std::int64_t at)
{
    guarded([&](Prepared&) { merchanttables::recordLoginFailure(*_session, *_dialect, client, at); });
}

std::vector<std::int64_t> SqlStore::loginFailuresSince(const std::string& client, std::int64_t since)
{
    return guarded([&](Prepared&) { return merchanttables::loginFailuresSince(*_session, *_dialect, client, since); });
}

void SqlStore::clearLoginFailures(const std::string& client)
{
    guarded([&](Prepared&) { merchanttables::clearLoginFailures(*_session, *_dialect, client); });
}

std::vector<OutboxEntry> SqlStore::due(std::int64_t now, std::size_t limit)
{
    return guarded([&](Prepared&) { return merchanttables::dueOutboxEntries(*_session, *_dialect, now, limit); });
}

bool SqlStore::claim(const std::string& id, std::int64_t now, std::int64_t leaseSeconds)
{
    // One conditional UPDATE: the row lock (PostgreSQL) or the write lock
    // (SQLite) makes exactly one of two racing claims change the row.
    return guarded([&](Prepared&) { return merchanttables::claimOutboxEntry(*_session, *_dialect, id, now, leaseSeconds); });
}

void SqlStore::markDelivered(const std::string& id, std::int64_t now)
{
    guarded([&](Prepared&) { merchanttables::markOutboxDelivered(*_session, *_dialect, id, now); });
}

void SqlStore::markFailedAttempt(const std::string& id, std::int64_t, std::optional<std::int64_t> nextAttemptAt,
                                 const std::string& error)
{
    guarded([&](Prepared&) { merchanttables::markOutboxFailedAttempt(*_session, *_dialect, id, nextAttemptAt, error); });
}

std::vector<OutboxEntry> SqlStore::list(const OutboxFilter& filter)
{
    return guarded([&](Prepared&) { return merchanttables::listOutbox(*_session, *_dialect, filter); });
}

} // namespace si
