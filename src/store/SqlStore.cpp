#include "store/SqlStore.h"

#include "store/HandedWrites.h"
#include "store/MerchantTables.h"
#include "store/PostgresModule.h"
#include "store/Schema.h"
#include "store/SharedWriter.h"
#include "store/SqlConnection.h"
#include "store/SqlDialect.h"
#include "store/SqliteConnection.h"

#include <sched.h>

#include <cerrno>
#include <ctime>

namespace si {
namespace {

/// Expired states are kept this long, so a late visitor hears "expired".
constexpr std::int64_t kKeepExpiredSeconds = 3600;
/// saveState purges at most once per this many seconds per connection.
constexpr std::int64_t kPurgeEverySeconds = 1;

const std::string kSelectInstalls =
    "SELECT account_id, livemode, user_id, ref, installed_at, updated_at, revoked_at,"
    " revoked_by, revoke_event_id, source FROM installs ";
const std::string kNewestFirst = " ORDER BY installed_at DESC, account_id, livemode DESC";

/// Every row of a statement selecting kSelectInstalls, in order.
std::vector<Install> installsOf(SqlStatement& row)
{
    std::vector<Install> installs;
    while (row.step()) {
        Install& install = installs.emplace_back();
        install.accountId = row.text(0);
        install.livemode = row.int64(1) != 0;
        install.userId = row.text(2);
        install.ref = row.text(3);
        install.installedAt = row.int64(4);
        install.updatedAt = row.int64(5);
        install.revokedAt = optionalInt64(row, 6);
        install.revokedBy = row.text(7);
        install.revokeEventId = row.text(8);
        install.source = row.text(9);
    }
    return installs;
}

/// While it lives, `flag` holds `notify`: a handed write's changes notify
/// as its sender's configuration says.
class NotifyAs {
public:
    NotifyAs(std::optional<bool>& flag, bool notify) : _flag(flag) { _flag = notify; }
    ~NotifyAs() { _flag.reset(); }
    NotifyAs(const NotifyAs&) = delete;
    NotifyAs& operator=(const NotifyAs&) = delete;

private:
    std::optional<bool>& _flag;
};

/// A result from the shared writer's answer; a malformed one is a StoreError.
template <class Decode>
auto decodeAnswer(Decode&& decode) -> decltype(decode())
{
    try {
        return decode();
    } catch (const WriteFrameError& e) {
        throw StoreError(std::string("the shared writer's answer is not one this program knows: ") + e.what());
    }
}

} // namespace

/// The store's SQL in its dialect, translated once; the connection prepares
/// each text once and reuses the statement.
struct SqlStore::Queries {
    std::string begin, serialiseWebhooks, insertState, purgeStates, consumeState, selectState, upsertInstall,
        selectInstall, selectAccount, selectFiltered, revokeByHand, findEvent, insertEvent, revokeByWebhook,
        insertFromWebhook, reactivate;

    explicit Queries(const SqlDialect& d)
        : begin(d.beginWrite()), serialiseWebhooks(d.serialise(SqlDialect::kWebhookLock)),
          insertState(d.sql("INSERT INTO install_states (token_hash, browser_hash, ref, created_at, expires_at)"
                            " VALUES (?, ?, ?, ?, ?)")),
          purgeStates(d.sql("DELETE FROM install_states WHERE expires_at < ?")),
          consumeState(d.sql("UPDATE install_states SET consumed_at = ? WHERE token_hash = ?"
                             " AND consumed_at IS NULL AND expires_at > ? AND browser_hash = ?")),
          selectState(d.sql("SELECT consumed_at, expires_at, browser_hash, ref FROM install_states"
                            " WHERE token_hash = ?")),
          upsertInstall(d.sql("INSERT INTO installs (account_id, livemode, user_id, ref, installed_at,"
                              " updated_at, revoked_at, revoked_by, revoke_event_id, source)"
                              " VALUES (?, ?, ?, ?, ?, ?, NULL, '', '', 'callback')"
                              " ON CONFLICT (account_id, livemode) DO UPDATE SET user_id = excluded.user_id,"
                              " ref = excluded.ref, installed_at = excluded.installed_at,"
                              " updated_at = excluded.updated_at, revoked_at = NULL, revoked_by = '',"
                              " revoke_event_id = '', source = 'callback'")),
          // Locked on PostgreSQL: a webhook reads the row, then decides.
          selectInstall(d.sql(kSelectInstalls + "WHERE account_id = ? AND livemode = ?" + d.lockRows())),
          selectAccount(d.sql(kSelectInstalls + "WHERE account_id = ?" + kNewestFirst)),
          selectFiltered(d.sql(kSelectInstalls +
                               "WHERE (? < 0 OR (CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END) = ?)"
                               " AND (? < 0 OR livemode = ?)" + kNewestFirst)),
          revokeByHand(d.sql("UPDATE installs SET revoked_at = ?, updated_at = ?, revoked_by = ?,"
                             " revoke_event_id = '' WHERE account_id = ? AND revoked_at IS NULL")),
          findEvent(d.sql("SELECT COUNT(*) FROM webhook_events WHERE event_id = ?")),
          insertEvent(d.sql("INSERT INTO webhook_events (event_id, type, account_id, created, received_at, effect)"
                            " VALUES (?, ?, ?, ?, ?, ?)")),
          revokeByWebhook(d.sql("UPDATE installs SET revoked_at = ?, updated_at = ?, revoked_by = 'webhook',"
                                " revoke_event_id = ? WHERE account_id = ? AND livemode = ?")),
          insertFromWebhook(d.sql("INSERT INTO installs (account_id, livemode, user_id, ref, installed_at,"
                                  " updated_at, source) VALUES (?, ?, '', '', ?, ?, 'webhook')")),
          reactivate(d.sql("UPDATE installs SET revoked_at = NULL, revoked_by = '', revoke_event_id = '',"
                           " installed_at = ?, updated_at = ?, source = 'webhook'"
                           " WHERE account_id = ? AND livemode = ?"))
    {
    }
};

/// The dialect's write BEGIN … COMMIT; rolls back unless committed.
class SqlStore::Transaction {
public:
    Transaction(SqlConnection& connection, const std::string& begin) : _connection(connection)
    {
        execute(_connection, begin);
        _open = true;
    }
    ~Transaction()
    {
        if (!_open)
            return;
        try {
            _connection.exec("ROLLBACK");
        } catch (...) {
            // Rolled back already (SQLite: SQLITE_FULL, IOERR, …;
            // PostgreSQL: the connection dropped).
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit()
    {
        execute(_connection, "COMMIT");
        _open = false;
    }

private:
    SqlConnection& _connection;
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
    _sql = std::make_unique<Queries>(*_dialect);
    try {
        open();
    } catch (const SqlError& error) {
        throw translate(error);
    } catch (const StoreError&) {
        throw;
    } catch (const std::exception& error) {
        throw StoreError(std::string(error.what()) + ": " + _databaseName);
    }
    if (_options.shareWriter && !_dialect->isPostgres()) {
        const std::string name = sharedWriterName(connectionString);
        // The leader may wait for SQLite's lock for the busy timeout.
        const int answerWithinMs = busyTimeoutMs * 2 + 5000;
        auto report = _options.sharedWriterReport ? _options.sharedWriterReport
                                                  : [](const std::string&, const std::string&) {};
        if (!name.empty())
            _sharedWriter = std::make_unique<SharedWriter>(
                name, answerWithinMs, [this](const std::vector<WriteFields>& writes) { return commitHanded(writes); },
                std::move(report));
    }
}

SqlStore::~SqlStore() = default;

const SqlDialect& SqlStore::dialect() const
{
    return *_dialect;
}

void SqlStore::open()
{
    // Kept only once set up, so that a failed reconnect is tried again.
    std::unique_ptr<SqlConnection> connection = _dialect->isPostgres()
                                                    ? postgres::connect(_connectionString)
                                                    : openSqlite(_connectionString, _busyTimeoutMs,
                                                                 _options.oneRequestPerProcess ? 100 : 4000,
                                                                 _options.checkpointer.get());
    for (const std::string& statement : _dialect->sessionSetup(_busyTimeoutMs))
        connection->exec(statement);
    Schema::migrate(*connection, *_dialect, _databaseName, static_cast<std::int64_t>(std::time(nullptr)));
    _connection = std::move(connection);
    _lastPurge.reset();
}

StoreError SqlStore::translate(const SqlError& error) const
{
    if (error.fault() == SqlFault::Locked)
        return StoreError("database is locked (busy for more than " + std::to_string(_busyTimeoutMs) +
                          " ms): " + _databaseName);
    return StoreError(std::string(error.what()) + ": " + _databaseName);
}

StoreError SqlStore::translateCurrent() const
{
    try {
        throw;
    } catch (const SqlError& error) {
        return translate(error);
    } catch (const StoreError& error) {
        return error;
    } catch (const std::exception& error) {
        return StoreError(std::string(error.what()) + ": " + _databaseName);
    } catch (...) {
        return StoreError("unknown error: " + _databaseName);
    }
}

template <class Work>
auto SqlStore::guarded(Work&& work) -> decltype(work())
{
    std::lock_guard<std::mutex> lock(_mutex);
    try {
        if (!_connection)
            open(); // the connection was lost: a new one
        return work();
    } catch (...) {
        dropBroken();
        throw translateCurrent();
    }
}

template <class Work>
auto SqlStore::write(Work&& work) -> decltype(work())
{
    if (_dialect->isPostgres()) {
        // Several hosts share the database: nothing to gain from batching
        // one host's writes, and each keeps its own row locks short.
        return guarded([&] {
            Transaction transaction(*_connection, _sql->begin);
            auto result = work();
            transaction.commit();
            ++_transactionsCommitted;
            return result;
        });
    }
    std::optional<decltype(work())> result;
    QueuedWrite queued;
    queued.run = [&] { result.emplace(work()); };
    commitQueued(queued);
    return std::move(*result);
}

SqlStore::WakeUp::WakeUp()
{
    sem_init(&_semaphore, 0, 0);
}

SqlStore::WakeUp::~WakeUp()
{
    sem_destroy(&_semaphore);
}

void SqlStore::WakeUp::post()
{
    sem_post(&_semaphore);
}

void SqlStore::WakeUp::wait()
{
    while (sem_wait(&_semaphore) != 0 && errno == EINTR) {
    }
}

void SqlStore::commitQueued(QueuedWrite& write)
{
    std::unique_lock<std::mutex> queue(_queueMutex);
    if (_committingCount > 0) {
        // Woken alone, and only when there is something to do: one
        // condition for all waiters woke every one of them at each commit.
        _queue.push_back(&write);
        queue.unlock();
        write.wake.wait(); // done, or handed a batch: set before the post
    } else {
        write.batch.push_back(&write);
        _committingCount = 1;
        queue.unlock();
        if (_options.sharedByThreads) {
            // Under load most writes found no commit running and committed
            // alone (1.4 writes a transaction in `make bench`'s callback
            // row): the other threads were still verifying and rendering.
            // Yielding the CPU once lets those that can run reach their
            // writes, which queue behind this one; it commits them all (4.6
            // writes a transaction, a third of the BEGIN/COMMITs, their lock
            // calls and WAL frames). With nothing else to run, the yield
            // returns at once.
            sched_yield();
            queue.lock();
            write.batch.insert(write.batch.end(), _queue.begin(), _queue.end());
            _queue.clear();
            _committingCount = write.batch.size();
            queue.unlock();
        }
    }
    if (!write.done) {
        std::vector<QueuedWrite*> batch;
        batch.swap(write.batch);
        std::exception_ptr unexpected; // commitBatch catches all, bar running out of memory while it does
        {
            std::lock_guard<std::mutex> connection(_mutex);
            try {
                commitBatch(batch);
            } catch (...) {
                unexpected = std::current_exception();
            }
        }
        queue.lock();
        QueuedWrite* next = _queue.empty() ? nullptr : _queue.front();
        if (next)
            next->batch.swap(_queue);
        _committingCount = next ? next->batch.size() : 0;
        queue.unlock();
        if (next)
            next->wake.post();
        for (QueuedWrite* done : batch) {
            if (unexpected)
                done->error = unexpected; // rolled back: nothing of the batch committed
            done->done = true;
            if (done != &write)
                done->wake.post(); // the last touch: its thread may return at once
        }
    }
    if (write.error)
        std::rethrow_exception(write.error);
}

void SqlStore::commitBatch(const std::vector<QueuedWrite*>& batch)
{
    try {
        if (!_connection)
            open();
        SqlConnection& c = *_connection;
        Transaction transaction(c, _sql->begin);
        for (QueuedWrite* write : batch)
            if (auto failed = runUnderSavepoint(write->run))
                write->error = std::make_exception_ptr(*failed);
        transaction.commit();
        ++_transactionsCommitted;
    } catch (...) {
        // An exception object each: the threads rethrow them at once.
        for (QueuedWrite* write : batch)
            write->error = std::make_exception_ptr(translateCurrent());
        dropBroken();
    }
}

std::optional<StoreError> SqlStore::runUnderSavepoint(const std::function<void()>& work)
{
    SqlConnection& c = *_connection;
    execute(c, "SAVEPOINT queued_write");
    try {
        work();
    } catch (...) {
        const StoreError failed = translateCurrent();
        try {
            execute(c, "ROLLBACK TO SAVEPOINT queued_write");
        } catch (...) {
            // SQLite ended the whole transaction (disk full, I/O): nothing
            // of it is stored, for this reason.
            throw failed;
        }
        execute(c, "RELEASE SAVEPOINT queued_write");
        return failed;
    }
    execute(c, "RELEASE SAVEPOINT queued_write");
    return std::nullopt;
}

std::uint64_t SqlStore::transactionsCommitted() const
{
    return _transactionsCommitted;
}

std::size_t SqlStore::writesWaiting() const
{
    std::lock_guard<std::mutex> lock(_queueMutex);
    return _queue.size() + _committingCount;
}

void SqlStore::dropBroken()
{
    // A PostgreSQL server restarted or a network cut leaves the connection
    // dead for good: drop it, and the next call connects again. (An SQLite
    // connection to a file does not break this way.)
    if (_connection && !_connection->alive())
        _connection.reset();
}

std::optional<WriteFields> SqlStore::handOff(const WriteFields& request)
{
    if (!_sharedWriter)
        return std::nullopt;
    std::optional<WriteAnswer> answer = _sharedWriter->handOff(request);
    if (!answer)
        return std::nullopt;
    if (!answer->ok)
        throw StoreError(answer->fields.empty() ? "the shared writer failed without saying why" : answer->fields.front());
    return std::move(answer->fields);
}

bool SqlStore::leadsSharedWriter() const
{
    return _sharedWriter && _sharedWriter->leading();
}

std::vector<WriteAnswer> SqlStore::commitHanded(const std::vector<WriteFields>& writes)
{
    std::vector<WriteAnswer> answers(writes.size());
    QueuedWrite carrier;
    // The writes of one round, each under a savepoint of its own inside
    // the carrier's: one that fails is undone alone, as in commitBatch.
    carrier.run = [&] {
        for (std::size_t i = 0; i < writes.size(); ++i)
            if (auto failed = runUnderSavepoint([&] { answers[i] = WriteAnswer{true, runHanded(writes[i])}; }))
                answers[i] = WriteAnswer{false, {failed->what()}};
    };
    try {
        commitQueued(carrier);
    } catch (const std::exception& e) { // nothing of the round is stored
        for (WriteAnswer& answer : answers)
            answer = WriteAnswer{false, {e.what()}};
    }
    return answers;
}

WriteFields SqlStore::runHanded(const WriteFields& write)
{
    const std::string& kind = write.empty() ? std::string() : write.front();
    if (kind == handed::kSaveState)
        return handed::saveStateResult(insertState(handed::saveStateFrom(write)));
    // Changes notify as the sender's configuration says, not this
    // process's (the two differ while a changed [notify] reaches them).
    if (kind == handed::kConsume) {
        const handed::ConsumeCall call = handed::consumeFrom(write);
        const NotifyAs notifyAs(_notifyAs, call.notify);
        return handed::consumeResult(consumeAndRecord(call.tokenHash, call.browserHash, call.now, call.install));
    }
    if (kind == handed::kWebhook) {
        const handed::WebhookCall call = handed::webhookFrom(write);
        const NotifyAs notifyAs(_notifyAs, call.notify);
        return handed::webhookResult(applyWebhookOnce(call.event, call.now));
    }
    throw WriteFrameError("not a write this program knows (another version of it?)");
}

std::optional<std::string> SqlStore::saveState(const StateRecord& state)
{
    if (const auto result = handOff(handed::saveStateRequest(state)))
        return decodeAnswer([&] { return handed::saveStateResultFrom(*result); });
    return write([&] { return insertState(state); });
}

std::optional<std::string> SqlStore::insertState(const StateRecord& state)
{
    SqlConnection& c = *_connection;
    execute(c, _sql->insertState, state.tokenHash, state.browserHash, state.ref, state.createdAt,
            state.expiresAt);
    std::optional<std::string> funnelProblem;
    if (!state.funnelMetric.empty()) {
        // Under a savepoint: a count that fails (its table damaged) is
        // undone alone, and the state is still stored.
        // (Prepared once, as every statement: no parse per request.)
        execute(c, "SAVEPOINT funnel_count");
        try {
            merchanttables::countFunnel(c, *_dialect, utcDay(state.createdAt), state.funnelMetric, "");
        } catch (const SqlError& e) {
            execute(c, "ROLLBACK TO SAVEPOINT funnel_count");
            funnelProblem = e.what();
        }
        execute(c, "RELEASE SAVEPOINT funnel_count");
    }
    // At most one purge per second of createdAt, and so one in a
    // batch. Set before the COMMIT: a batch that fails delays the
    // next purge by a second at most.
    if (!_lastPurge || state.createdAt >= *_lastPurge + kPurgeEverySeconds) {
        execute(c, _sql->purgeStates, state.createdAt - kKeepExpiredSeconds);
        _lastPurge = state.createdAt;
    }
    return funnelProblem;
}

ConsumeResult SqlStore::consumeStateAndRecordInstall(const std::string& tokenHash,
                                                     const std::string& browserHash, std::int64_t now,
                                                     const Install& install)
{
    if (const auto result =
            handOff(handed::consumeRequest({tokenHash, browserHash, now, install, _options.notifications})))
        return decodeAnswer([&] { return handed::consumeResultFrom(*result); });
    return write([&] { return consumeAndRecord(tokenHash, browserHash, now, install); });
}

ConsumeResult SqlStore::consumeAndRecord(const std::string& tokenHash, const std::string& browserHash,
                                         std::int64_t now, const Install& install)
{
    SqlConnection& c = *_connection;
    ConsumeResult result;
    // The conditional UPDATE is the whole race: under the write lock
    // exactly one caller finds consumed_at still NULL. (When it finds
    // none, nothing was written: the COMMIT stores nothing of it.)
    if (execute(c, _sql->consumeState, now, tokenHash, now, browserHash) != 1) {
        result.outcome = classifyUnconsumed(tokenHash, browserHash, now);
        return result;
    }
    std::string ref;
    for (SqlStatement& row = query(c, _sql->selectState, tokenHash); row.step();)
        ref = row.text(3);
    const std::vector<Install> before = selectInstalls(_sql->selectInstall, install.accountId, install.livemode);
    execute(c, _sql->upsertInstall, install.accountId, install.livemode, install.userId, ref, now, now);
    const std::vector<Install> rows = selectInstalls(_sql->selectInstall, install.accountId, install.livemode);
    recordChange(before.empty() ? std::nullopt : std::optional(before.front()), rows.at(0),
                 before.empty() ? "installed" : "reinstalled", "callback", now, "installed");
    result.outcome = ConsumeOutcome::Consumed;
    result.install = rows.at(0);
    return result;
}

ConsumeOutcome SqlStore::classifyUnconsumed(const std::string& tokenHash, const std::string& browserHash,
                                            std::int64_t now)
{
    std::optional<ConsumeOutcome> outcome;
    for (SqlStatement& row = query(*_connection, _sql->selectState, tokenHash); row.step();) {
        if (!row.isNull(0))
            outcome = ConsumeOutcome::AlreadyUsed;
        else if (row.int64(1) <= now)
            outcome = ConsumeOutcome::Expired;
        else if (row.text(2) != browserHash)
            outcome = ConsumeOutcome::OtherBrowser;
    }
    // Unknown, or unreachable: the UPDATE would have matched.
    return outcome.value_or(ConsumeOutcome::Unknown);
}

std::vector<Install> SqlStore::selectInstalls(const std::string& sql, const std::string& accountId, bool livemode)
{
    return installsOf(query(*_connection, sql, accountId, livemode));
}

std::size_t SqlStore::purgeExpiredStates(std::int64_t before)
{
    return guarded([&] {
        Transaction transaction(*_connection, _sql->begin);
        const std::int64_t purged = execute(*_connection, _sql->purgeStates, before);
        transaction.commit();
        return static_cast<std::size_t>(purged);
    });
}

std::vector<Install> SqlStore::findInstalls(const std::string& accountId)
{
    return guarded([&] { return installsOf(query(*_connection, _sql->selectAccount, accountId)); });
}

std::vector<Install> SqlStore::listInstalls(const InstallFilter& filter)
{
    return guarded([&] {
        const int active = filter.active ? (*filter.active ? 1 : 0) : -1;
        const int livemode = filter.livemode ? (*filter.livemode ? 1 : 0) : -1;
        return installsOf(query(*_connection, _sql->selectFiltered, active, active, livemode, livemode));
    });
}

std::size_t SqlStore::revokeByHand(const std::string& accountId, std::int64_t now, const std::string& by)
{
    return guarded([&] {
        SqlConnection& c = *_connection;
        Transaction transaction(c, _sql->begin);
        const std::vector<Install> before = installsOf(query(c, _sql->selectAccount, accountId));
        const std::int64_t revoked = execute(c, _sql->revokeByHand, now, now, by, accountId);
        const std::vector<Install> after = installsOf(query(c, _sql->selectAccount, accountId));
        for (const Install& was : before) {
            if (!was.active())
                continue;
            for (const Install& is : after)
                if (is.livemode == was.livemode && !is.active())
                    recordChange(was, is, "revoked", by, now, "revoked");
        }
        transaction.commit();
        return static_cast<std::size_t>(revoked);
    });
}

WebhookEffect SqlStore::applyWebhookEvent(const WebhookEvent& event, std::int64_t now)
{
    if (const auto result = handOff(handed::webhookRequest({event, now, _options.notifications})))
        return decodeAnswer([&] { return handed::webhookResultFrom(*result); });
    return write([&] { return applyWebhookOnce(event, now); });
}

WebhookEffect SqlStore::applyWebhookOnce(const WebhookEvent& event, std::int64_t now)
{
    SqlConnection& c = *_connection;
    // PostgreSQL: one webhook event at a time across every connection,
    // so the id check below and the install it reads stay true until
    // commit (SQLite's BEGIN IMMEDIATE already holds the one write lock).
    if (!_sql->serialiseWebhooks.empty())
        execute(c, _sql->serialiseWebhooks);
    std::int64_t seen = 0;
    for (SqlStatement& row = query(c, _sql->findEvent, event.id); row.step();)
        seen = row.int64(0);
    if (seen > 0)
        return WebhookEffect::Duplicate;
    const WebhookEffect effect = applyWebhookAction(event, now);
    execute(c, _sql->insertEvent, event.id, event.type, event.accountId, event.created, now, toCode(effect));
    return effect;
}

WebhookEffect SqlStore::applyWebhookAction(const WebhookEvent& event, std::int64_t now)
{
    const WebhookAction action = webhookActionFor(event.type);
    if (action == WebhookAction::None || event.accountId.empty())
        return WebhookEffect::Ignored;
    SqlConnection& c = *_connection;
    const auto current = [&] { return selectInstalls(_sql->selectInstall, event.accountId, event.livemode); };
    const std::vector<Install> rows = current();
    // `installs sync` applies its changes as events with "sync:…" ids.
    const std::string by = event.id.rfind("sync:", 0) == 0 ? "sync" : "webhook:" + event.id;
    if (action == WebhookAction::Revoke) {
        if (rows.empty())
            return WebhookEffect::NoInstall;
        // Already revoked, or re-installed after the event was sent.
        if (!rows.front().active() || rows.front().installedAt > event.created)
            return WebhookEffect::Stale;
        execute(c, _sql->revokeByWebhook, now, now, event.id, event.accountId, event.livemode);
        recordChange(rows.front(), current().at(0), "revoked", by, now, "revoked");
        return WebhookEffect::Revoked;
    }
    if (rows.empty()) {
        execute(c, _sql->insertFromWebhook, event.accountId, event.livemode, event.created, now);
        // Not counted as "installed": the callback of the same install is.
        recordChange(std::nullopt, current().at(0), "installed", by, now, "");
        return WebhookEffect::Recorded;
    }
    if (rows.front().active())
        return WebhookEffect::Recorded; // known already: nothing to change
    if (*rows.front().revokedAt > event.created)
        return WebhookEffect::Stale; // revoked after this install event
    execute(c, _sql->reactivate, event.created, now, event.accountId, event.livemode);
    recordChange(rows.front(), current().at(0), "reactivated", by, now, "");
    return WebhookEffect::Recorded;
}

void SqlStore::recordChange(const std::optional<Install>& before, const Install& after, const std::string& change,
                            const std::string& by, std::int64_t now, const std::string& funnelMetric)
{
    SqlConnection& c = *_connection;
    merchanttables::appendInstallEvent(c, *_dialect, InstallEvent{after.accountId, after.livemode, change, by, now});
    if (!funnelMetric.empty())
        merchanttables::countFunnel(c, *_dialect, utcDay(now), funnelMetric, "");
    if (!_notifyAs.value_or(_options.notifications))
        return;
    if (const auto type = notificationTypeFor(before, after))
        merchanttables::insertOutboxEntry(
            c, *_dialect, newOutboxEntry(makeNotification(mintNotificationId(_random), *type, after, now)));
}

void SqlStore::ping()
{
    guarded([&] {
        std::int64_t answer = 0;
        for (SqlStatement& row = query(*_connection, "SELECT 1"); row.step();)
            answer = row.int64(0);
        if (answer != 1)
            throw StoreError("the database did not answer SELECT 1: " + _databaseName);
    });
}

// --- The merchant's side ----------------------------------------------------

std::vector<InstallEvent> SqlStore::installHistory(const std::string& accountId)
{
    return guarded([&] { return merchanttables::installHistory(*_connection, *_dialect, accountId); });
}

void SqlStore::countFunnel(std::int64_t now, const std::string& metric, const std::string& reason)
{
    guarded([&] { merchanttables::countFunnel(*_connection, *_dialect, utcDay(now), metric, reason); });
}

std::vector<FunnelCount> SqlStore::funnel(const std::string& sinceDay)
{
    return guarded([&] { return merchanttables::funnel(*_connection, *_dialect, sinceDay); });
}

void SqlStore::recordLoginFailure(const std::string& client, std::int64_t at)
{
    guarded([&] { merchanttables::recordLoginFailure(*_connection, *_dialect, client, at); });
}

std::vector<std::int64_t> SqlStore::loginFailuresSince(const std::string& client, std::int64_t since)
{
    return guarded([&] { return merchanttables::loginFailuresSince(*_connection, *_dialect, client, since); });
}

void SqlStore::clearLoginFailures(const std::string& client)
{
    guarded([&] { merchanttables::clearLoginFailures(*_connection, *_dialect, client); });
}

std::vector<OutboxEntry> SqlStore::due(std::int64_t now, std::size_t limit)
{
    return guarded([&] { return merchanttables::dueOutboxEntries(*_connection, *_dialect, now, limit); });
}

bool SqlStore::claim(const std::string& id, std::int64_t now, std::int64_t leaseSeconds)
{
    // One conditional UPDATE: the row lock (PostgreSQL) or the write lock
    // (SQLite) makes exactly one of two racing claims change the row.
    return guarded([&] { return merchanttables::claimOutboxEntry(*_connection, *_dialect, id, now, leaseSeconds); });
}

void SqlStore::markDelivered(const std::string& id, std::int64_t now)
{
    guarded([&] { merchanttables::markOutboxDelivered(*_connection, *_dialect, id, now); });
}

void SqlStore::markFailedAttempt(const std::string& id, std::int64_t, std::optional<std::int64_t> nextAttemptAt,
                                 const std::string& error)
{
    guarded([&] { merchanttables::markOutboxFailedAttempt(*_connection, *_dialect, id, nextAttemptAt, error); });
}

std::vector<OutboxEntry> SqlStore::list(const OutboxFilter& filter)
{
    return guarded([&] { return merchanttables::listOutbox(*_connection, *_dialect, filter); });
}

} // namespace si
