#pragma once
// What every transport needs, loaded once per process: the validated
// configuration, the compiled templates, the log and the clock; and a
// Worker per thread holding that thread's own database connection.
#include <sys/types.h>

#include <atomic>
#include <memory>
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

struct Runtime {
    AppConfig config;
    std::optional<TemplateRenderer> templates;
    Logger log;
    Clock clock;
    AppOptions options;
    /// Set once any worker has opened the SQLite file: from then on a
    /// missing file means it was deleted, and must not be created anew.
    std::atomic<bool> databaseFileSeen{false};
    /// The identity (device, inode) of the SQLite file last opened, so a
    /// worker opening a replaced file says so in the log.
    std::atomic<unsigned long long> seenDevice{0}, seenInode{0};
    /// Raised by a worker that answered 503 for a store fault: every worker
    /// then reopens its connection, so none keeps one opened read-only.
    std::atomic<unsigned> storeGeneration{0};

    /// Loads the configuration at `configPath` and the templates it names.
    /// Throws ConfigError or TemplateError naming the file and key.
    static std::unique_ptr<Runtime> load(const std::string& configPath);

    Runtime();
};

/// The system clock, shifted by STRIPE_INSTALL_CLOCK_OFFSET seconds when
/// that is set (for tests that replay recorded, signed requests only).
Clock systemClock(Logger& log);

/// Which file a path names (device and inode), to notice a SQLite
/// database deleted or replaced under an open connection.
struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator==(const FileIdentity& other) const { return device == other.device && inode == other.inode; }
};

/// The identity of the file at `path`; nullopt when there is none.
std::optional<FileIdentity> fileIdentity(const std::string& path);

/// One thread's request handler. The database is opened on the first
/// request (and again after a failure), so a database problem is a 503 with
/// a log line, never a process that cannot start. A SQLite file deleted
/// while open is a 503 until it is back (SQLite would otherwise go on
/// writing to the deleted file and lose every later install); a file
/// replaced (restored from a backup) is reopened, and so is the database
/// after any 503, so a fault that is fixed needs no restart.
class Worker {
public:
    explicit Worker(Runtime& runtime) : _runtime(runtime) {}
    HttpResponse handle(const HttpRequest& request);

    /// Called by every transport once the response has been sent (never
    /// before: a visitor never waits for it): with [notify] set, delivers a
    /// few due notifications from the outbox. Logs faults, never throws.
    void afterResponse();

private:
    /// False (after logging why) when the database file this process used is gone.
    bool databaseFileStillThere(const HttpRequest& request);

    Runtime& _runtime;
    SystemRandom _random;
    std::unique_ptr<SqlStore> _store;
    std::unique_ptr<NotificationSender> _sender; ///< made on first use, when [notify] is set
    std::unique_ptr<App> _app;
    std::optional<FileIdentity> _databaseFile; ///< set when the store is a SQLite file
    unsigned _generation = 0;                  ///< Runtime::storeGeneration when opened
};

} // namespace si
