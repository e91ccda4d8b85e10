#pragma once
// The Store port over SQL: SQLite or PostgreSQL, one portable implementation
// written against the narrow SqlConnection port (SQLite through its C API,
// PostgreSQL through Poco Data in a module); what differs in the SQL text
// is in SqlDialect.
#include "core/Outbox.h"
#include "core/StateToken.h"
#include "core/StoreError.h"
#include "core/Stores.h"
#include "store/WriteFrames.h"

#include <semaphore.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace si {

class SharedWriter;
class SqlConnection;
class SqlDialect;
class WalCheckpointer;
class SqlError;

/// What a store does beyond keeping installs, from the configuration.
struct StoreOptions {
    /// Insert an outbox entry (core/Outbox.h) with every install change a
    /// receiver cares about ([notify] url or command is set).
    bool notifications = false;
    /// SQLite, when the WAL is checkpointed into the database (the commit
    /// that crosses the mark does it, and waits for its two fsyncs, ~10 ms
    /// here, whatever the WAL's size). A process that serves many requests
    /// (FastCGI, serve): every 4000 pages (16 MB), a quarter as often as
    /// SQLite's default, so about one request in a thousand waits for one.
    /// A process that serves one request (plain CGI): every 100 pages. Each
    /// such process is the database's only connection when it opens it, and
    /// SQLite then reads the whole WAL to rebuild its index (up to 16 MB of
    /// reads per request); 100 balances those reads against the fsyncs.
    bool oneRequestPerProcess = false;
    /// SQLite, a long-lived process: checkpoints run on this thread from
    /// WalCheckpointer::kBackgroundPages WAL pages on, and by the committing
    /// request only past the 4000-page mark above.
    std::shared_ptr<WalCheckpointer> checkpointer;
    /// SQLite: several threads of this process may write at once (FastCGI
    /// with STRIPE_INSTALL_THREADS > 1, serve). A write that finds no commit
    /// running then lets those threads reach their writes before it commits
    /// (see commitQueued), so that more of them share a transaction.
    bool sharedByThreads = false;
    /// SQLite file, a process that serves one request at a time beside
    /// others on the same file (mod_fcgid): saveState,
    /// consumeStateAndRecordInstall and applyWebhookEvent go through the
    /// shared writer (SharedWriter.h), one process committing them all.
    bool shareWriter = false;
    /// Told what the shared writer did or why it could not (an event name
    /// and the cause), for the log. From the leader's thread too.
    std::function<void(const std::string& event, const std::string& cause)> sharedWriterReport;
};

/// The Store on an SQL database (SQLite or PostgreSQL). Each statement is
/// prepared once per connection and reused.
///
/// SQLite: every write runs in a BEGIN IMMEDIATE transaction: a writer takes
/// the write lock before it reads, so concurrent writers (threads or
/// processes sharing one file) queue on the busy timeout instead of
/// deadlocking on a lock upgrade. PostgreSQL (several hosts sharing one
/// database): READ COMMITTED transactions; the single-use consume is one
/// conditional UPDATE (the row lock serialises racers, and the losers
/// re-check the WHERE against the winner's commit), and webhook events are
/// applied one at a time under an advisory lock. One SqlStore holds one
/// connection; its methods may be called from several threads (they take
/// turns).
///
/// SQLite, group commit: saveState, consumeStateAndRecordInstall and
/// applyWebhookEvent calls that arrive while another thread holds the
/// connection are committed together, in one transaction, each under its
/// own SAVEPOINT: one BEGIN/COMMIT (its locks, and the WAL frames of the
/// pages they share) for all of them. No caller returns before the COMMIT
/// that holds its write; a call that fails alone (a constraint, a bug) is
/// rolled back to its savepoint and fails alone; a fault that ends the
/// transaction (disk full, locked past the busy timeout, I/O) fails every
/// call in it, and none of their writes is stored.
///
/// SQLite, StoreOptions::shareWriter: saveState, consumeStateAndRecordInstall
/// and applyWebhookEvent are sent to the process that leads the shared
/// writer (SharedWriter.h), which runs them in its group commit as if they
/// were its own threads' and answers with their results or errors; in the
/// leader itself, and whenever no leader takes a write, they run here.
///
/// Every fault is thrown as StoreError naming the cause and the
/// database (a PostgreSQL password never appears); no other exception
/// escapes.
///
/// It is also the notification Outbox: every install change appends an
/// InstallEvent, counts "installed" (callback installs) or "revoked" in the
/// funnel and, with StoreOptions::notifications, inserts the outbox entry,
/// in the same transaction as the change.
class SqlStore : public Store, public Outbox {
public:
    /// Opens (creating if need be) the database and brings its schema up to
    /// date. `connector` is "sqlite" or "postgresql" (any case).
    ///
    /// SQLite: `connectionString` is the file path (or ":memory:", or an
    /// SQLite "file:" URI). Sets WAL journal mode, synchronous=NORMAL,
    /// foreign keys on and a 512 KiB page cache; a locked write is retried
    /// with waits of at most 200 µs (SqliteConnection.h). PostgreSQL:
    /// `connectionString` is a libpq conninfo ("host=… dbname=… user=…" or
    /// a postgresql:// URI); `password`, when not empty, is passed to libpq
    /// with it (else libpq reads PGPASSWORD or ~/.pgpass). `busyTimeoutMs` is how long a write waits for another
    /// writer's lock before failing with "database is locked" (PostgreSQL:
    /// lock_timeout).
    ///
    /// Throws StoreError when the database cannot be opened (or reached), is
    /// not a database, cannot be switched to WAL, or has a newer schema than
    /// this program knows. A read-only SQLite database (a "mode=ro" URI, a
    /// file the program may not write) opens and reads; its first write
    /// fails with "attempt to write a readonly database: <file>" (and so
    /// does the open, if its schema needs a migration).
    SqlStore(const std::string& connector, const std::string& connectionString, int busyTimeoutMs,
             const std::string& password = "", StoreOptions options = {});
    ~SqlStore() override;

    SqlStore(const SqlStore&) = delete;
    SqlStore& operator=(const SqlStore&) = delete;

    /// Inserts the state, and purges states that expired more than an hour
    /// before it was created (recently expired ones are kept so that a late
    /// visitor is told "expired" rather than "unknown"). The purge runs on a
    /// connection's first saveState, then at most once per second of
    /// createdAt: a busy FastCGI process no longer deletes with every
    /// state, and a long-expired state may outlive its hour by a second.
    std::optional<std::string> saveState(const StateRecord& state) override;

    /// Uses install.accountId, userId and livemode; the ref comes from the
    /// state and installed_at/updated_at are `now`.
    ConsumeResult consumeStateAndRecordInstall(const std::string& tokenHash, const std::string& browserHash,
                                               std::int64_t now, const Install& install) override;

    std::size_t purgeExpiredStates(std::int64_t before) override;

    /// Newest install first (installed_at descending, then account id).
    std::vector<Install> findInstalls(const std::string& accountId) override;
    /// Newest install first (installed_at descending, then account id).
    std::vector<Install> listInstalls(const InstallFilter& filter) override;

    std::size_t revokeByHand(const std::string& accountId, std::int64_t now, const std::string& by = "cli") override;

    /// Every event id not seen before is recorded with its effect, whatever
    /// the effect. A Revoke or Record event without an account is Ignored.
    WebhookEffect applyWebhookEvent(const WebhookEvent& event, std::int64_t now) override;

    /// Runs SELECT 1. Throws StoreError when it fails.
    void ping() override;

    std::vector<InstallEvent> installHistory(const std::string& accountId) override;
    void countFunnel(std::int64_t now, const std::string& metric, const std::string& reason) override;
    std::vector<FunnelCount> funnel(const std::string& sinceDay) override;
    void recordLoginFailure(const std::string& client, std::int64_t at) override;
    std::vector<std::int64_t> loginFailuresSince(const std::string& client, std::int64_t since) override;
    void clearLoginFailures(const std::string& client) override;

    // Outbox
    std::vector<OutboxEntry> due(std::int64_t now, std::size_t limit) override;
    bool claim(const std::string& id, std::int64_t now, std::int64_t leaseSeconds) override;
    void markDelivered(const std::string& id, std::int64_t now) override;
    void markFailedAttempt(const std::string& id, std::int64_t now, std::optional<std::int64_t> nextAttemptAt,
                           const std::string& error) override;
    std::vector<OutboxEntry> list(const OutboxFilter& filter) override;

    bool notificationsEnabled() const { return _options.notifications; }

    /// What messages call the database: the SQLite file path, or the
    /// PostgreSQL conninfo with any password shown as ***.
    const std::string& databaseName() const { return _databaseName; }

    const SqlDialect& dialect() const;

    /// Transactions committed so far by saveState,
    /// consumeStateAndRecordInstall and applyWebhookEvent (a batch of them
    /// committed together counts once).
    std::uint64_t transactionsCommitted() const;
    /// SQLite: calls whose write is queued or being committed, not yet done.
    std::size_t writesWaiting() const;
    /// StoreOptions::shareWriter: this process commits the others' writes.
    bool leadsSharedWriter() const;

private:
    struct Queries;
    class Transaction;
    /// Wakes one waiting thread. Unlike a condition variable it may be
    /// posted after the lock is released, when the waiter (which cannot
    /// leave before the post) may leave at once: a POSIX semaphore is not
    /// touched by sem_post after the waiter can see it. Waking one thread
    /// without holding the lock spares it waking only to wait for the lock.
    class WakeUp {
    public:
        WakeUp();
        ~WakeUp();
        WakeUp(const WakeUp&) = delete;
        WakeUp& operator=(const WakeUp&) = delete;
        void post();
        void wait();

    private:
        sem_t _semaphore;
    };
    /// One call's write waiting to be committed with the others.
    struct QueuedWrite {
        std::function<void()> run; ///< inside the transaction, under its own savepoint
        std::exception_ptr error;  ///< why it was not stored
        bool done = false;
        /// Handed over by the thread that committed before: the writes this
        /// call's thread commits next, its own first.
        std::vector<QueuedWrite*> batch;
        /// Posted once, after the queue's lock is released: this write is
        /// done, or its thread is handed the next batch.
        WakeUp wake;
    };

    void open();
    // The writes' work, inside the write transaction: here, or in the
    // shared writer's process for another one.
    std::optional<std::string> insertState(const StateRecord& state);
    ConsumeResult consumeAndRecord(const std::string& tokenHash, const std::string& browserHash, std::int64_t now,
                                   const Install& install);
    WebhookEffect applyWebhookOnce(const WebhookEvent& event, std::int64_t now);
    /// The shared writer's leader: the writes other processes sent, in one
    /// transaction (with this process's own), one answer each.
    std::vector<WriteAnswer> commitHanded(const std::vector<WriteFields>& writes);
    /// One handed write, run under its savepoint: its result.
    WriteFields runHanded(const WriteFields& write);
    /// The leader's answer, or nullopt: write here. Throws StoreError for
    /// an error answer, or none.
    std::optional<WriteFields> handOff(const WriteFields& request);
    ConsumeOutcome classifyUnconsumed(const std::string& tokenHash, const std::string& browserHash,
                                      std::int64_t now);
    WebhookEffect applyWebhookAction(const WebhookEvent& event, std::int64_t now);
    std::vector<Install> selectInstalls(const std::string& sql, const std::string& accountId, bool livemode);
    /// Inside the change's transaction: the history row, the funnel count
    /// (`funnelMetric` "" = none) and, if enabled, the outbox entry.
    void recordChange(const std::optional<Install>& before, const Install& after, const std::string& change,
                      const std::string& by, std::int64_t now, const std::string& funnelMetric);
    StoreError translate(const SqlError& error) const;
    /// After a fault: drops a connection that is no longer open (a
    /// PostgreSQL server restarted); the next call opens a new one.
    void dropBroken();

    /// Runs `work` holding the connection (opening one if need be); any
    /// exception leaves as StoreError naming the database.
    template <class Work>
    auto guarded(Work&& work) -> decltype(work());
    /// The exception being handled as a StoreError naming the database.
    StoreError translateCurrent() const;
    /// Runs `work` (which may write) in a write transaction and returns its
    /// result once committed. SQLite: with any other writes waiting (group
    /// commit, above); PostgreSQL: in a transaction of its own.
    template <class Work>
    auto write(Work&& work) -> decltype(work());
    /// Group commit: returns once `write` is committed (or throws why not).
    /// When no thread is committing, this one commits `write` (with
    /// StoreOptions::sharedByThreads, after yielding the CPU once, with the
    /// writes queued meanwhile); otherwise it queues it, and the committing
    /// thread, when done, hands everything queued to the first thread in the
    /// queue to commit next.
    void commitQueued(QueuedWrite& write);
    /// Holding the connection: the batch in one transaction. Each write's
    /// error is in the write; throws only if handling a fault fails (out of
    /// memory), with the transaction rolled back.
    void commitBatch(const std::vector<QueuedWrite*>& batch);
    /// Holding the connection, in a write transaction: `work` under a
    /// savepoint of its own. A failure is undone alone and returned; throws
    /// it when SQLite ended the whole transaction (disk full, I/O).
    std::optional<StoreError> runUnderSavepoint(const std::function<void()>& work);

    std::unique_ptr<SqlDialect> _dialect;
    std::string _connectionString; ///< as given to the connector: may hold a password
    std::string _databaseName;
    int _busyTimeoutMs;
    StoreOptions _options;
    SystemRandom _random; ///< notification ids
    std::mutex _mutex;
    std::unique_ptr<Queries> _sql;
    std::unique_ptr<SqlConnection> _connection;
    std::optional<std::int64_t> _lastPurge; ///< createdAt of this connection's last purge in saveState
    std::atomic<std::uint64_t> _transactionsCommitted{0};

    // Group commit (SQLite). Never held while waiting for _mutex.
    mutable std::mutex _queueMutex;
    std::vector<QueuedWrite*> _queue; ///< waiting for the batch being committed to end; empty when none is
    std::size_t _committingCount = 0; ///< writes in the batch being committed (or handed over); 0: none is

    /// Holding the connection, a handed write: whether its changes notify
    /// (the sender's StoreOptions::notifications); unset: this store's.
    std::optional<bool> _notifyAs;
    /// Last: stopped (its thread joined) before anything it uses goes.
    std::unique_ptr<SharedWriter> _sharedWriter;
};

} // namespace si
