#pragma once
// What every transport needs, loaded once per process: the validated
// configuration, the compiled templates, the log, the clock and the one
// database connection; and a Worker per thread.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/AppConfig.h"
#include "core/StateToken.h"
#include "core/Outbox.h"
#include "core/Stores.h"
#include "http/App.h"
#include "http/Logger.h"
#include "store/SqlStore.h"
#include "web/TemplateRenderer.h"

namespace si {

/// Which file a path names (device and inode), to notice a SQLite
/// database deleted or replaced under an open connection.
struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator==(const FileIdentity& other) const { return device == other.device && inode == other.inode; }
};

/// The identity of the file at `path`; nullopt when there is none.
std::optional<FileIdentity> fileIdentity(const std::string& path);

/// The process's one database connection, shared by all its worker
/// threads (SqlStore lets them take turns): one connection per process keeps
/// the lock contention between processes, and the memory of each, small.
/// Opened on first use and again after a fault, so a database problem is a
/// 503 with a log line, never a process that cannot start. A SQLite file
/// deleted while open is a 503 until it is back (SQLite would otherwise go
/// on writing to the deleted file and lose every later install); a file
/// replaced (restored from a backup) is reopened, and so is the database
/// after any 503, so a fault that is fixed needs no restart.
class SharedStore {
public:
    explicit SharedStore(const AppConfig& config, Logger& log) : _config(config), _log(log) {}

    /// The open store, opening it if need be; nullptr (after logging why)
    /// while the database cannot be used.
    std::shared_ptr<SqlStore> acquire(const std::string& requestPath);

    /// Drops `store` (a request using it answered 503) if it is still the
    /// current one: the next request opens afresh, so a connection SQLite
    /// opened read-only, or one that saw a now-fixed fault, is not kept.
    void discard(const std::shared_ptr<SqlStore>& store);

    /// The current store if one is open (never opens one).
    std::shared_ptr<SqlStore> current();

    /// This process serves one request (plain CGI): see StoreOptions.
    void setOneRequestPerProcess(bool one) { _oneRequestPerProcess = one; }
    /// Several threads of this process serve requests: see StoreOptions.
    void setSharedByThreads(bool shared) { _sharedByThreads = shared; }
    /// This process serves one request at a time beside others on the same
    /// SQLite file: see StoreOptions::shareWriter.
    void setShareWriter(bool share) { _shareWriter = share; }

private:
    /// False (after logging why) when the SQLite file in use is gone;
    /// `now`: what its path names now (fileIdentity).
    bool fileStillThere(const std::string& requestPath, const std::optional<FileIdentity>& now);
    /// `[database] connector = sqlite`. Decided on first use: the
    /// configuration is loaded after this object is made.
    bool sqliteConnector();

    const AppConfig& _config;
    Logger& _log;
    std::mutex _mutex;
    std::shared_ptr<SqlStore> _store;
    std::optional<FileIdentity> _file; ///< of the SQLite file `_store` opened
    std::atomic<bool> _fileSeen{false}; ///< a SQLite file was opened: its absence now means deleted
    /// Changes (under `_mutex`) with `_file`: a request that looked at the
    /// file before a change looks again.
    std::atomic<std::uint64_t> _fileGeneration{0};
    bool _oneRequestPerProcess = false;
    bool _sharedByThreads = false;
    bool _shareWriter = false;
    std::once_flag _connectorDecided;
    bool _sqlite = false; ///< once decided
    std::shared_ptr<WalCheckpointer> _checkpointer; ///< SQLite, a long-lived process: made on first open
};

struct Runtime {
    AppConfig config;
    std::optional<TemplateRenderer> templates;
    Logger log;
    Clock clock;
    AppOptions options;
    SharedStore store{config, log};

    /// Loads the configuration at `configPath` and the templates it names.
    /// Throws ConfigError or TemplateError naming the file and key.
    static std::unique_ptr<Runtime> load(const std::string& configPath,
                                         TemplateCompile templates = TemplateCompile::AtLoad);

    Runtime();
};

/// The system clock, shifted by STRIPE_INSTALL_CLOCK_OFFSET seconds when
/// that is set (for tests that replay recorded, signed requests only).
Clock systemClock(Logger& log);


/// One thread's request handler, on the process's SharedStore.
class Worker {
public:
    explicit Worker(Runtime& runtime) : _runtime(runtime) {}
    HttpResponse handle(const HttpRequest& request);

    /// Called by every transport once the response has been sent (never
    /// before: a visitor never waits for it): with [notify] set, delivers a
    /// few due notifications from the outbox. Logs faults, never throws.
    void afterResponse();

private:
    Runtime& _runtime;
    SystemRandom _random;
    std::shared_ptr<SqlStore> _store; ///< the store `_app` was made with
    std::unique_ptr<NotificationSender> _sender; ///< made on first use, when [notify] is set
    std::unique_ptr<App> _app;
};

} // namespace si
