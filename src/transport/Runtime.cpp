#include "transport/Runtime.h"

#include "stripe/AccountName.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "core/StoreError.h"
#include "core/Text.h"
#include "store/OpenStore.h"
#include "store/WalCheckpointer.h"
#include "transport/NotificationDelivery.h"

namespace si {
namespace {

/// The answer while the database cannot be opened: JSON for /healthz (as
/// App::healthz answers), the built-in page otherwise.
HttpResponse unavailable(const HttpRequest& request)
{
    HttpResponse response;
    response.status = 503;
    response.addHeader("Cache-Control", "no-store");
    response.addHeader("Retry-After", "60");
    if (request.path == "/healthz") {
        response.addHeader("Content-Type", "application/json");
        response.body = "{\"status\":\"unavailable\",\"database\":\"error\"}\n";
        return response;
    }
    response.addHeader("Content-Type", "text/html; charset=utf-8");
    response.body = builtInErrorPage(503, "Temporarily unavailable",
                                     "The page cannot reach its database right now. Please try again in a minute.");
    return response;
}

} // namespace

Runtime::Runtime() : log(STDERR_FILENO) {}

std::unique_ptr<Runtime> Runtime::load(const std::string& configPath, TemplateCompile templates)
{
    auto runtime = std::make_unique<Runtime>();
    runtime->config = loadAppConfig(configPath, processEnvironment());
    runtime->templates.emplace(TemplateRenderer::load(runtime->config.templatesDir, templates));
    runtime->clock = systemClock(runtime->log);
    runtime->options.accountName = makeAccountNameLookup(runtime->config, runtime->log);
    return runtime;
}

Clock systemClock(Logger& log)
{
    std::int64_t offset = 0;
    if (const char* text = std::getenv("STRIPE_INSTALL_CLOCK_OFFSET")) {
        offset = std::strtoll(text, nullptr, 10);
        log.warn("clock_offset", {{"seconds", std::to_string(offset)}, {"why", "STRIPE_INSTALL_CLOCK_OFFSET is set (tests only)"}});
    }
    return [offset] { return static_cast<std::int64_t>(std::time(nullptr)) + offset; };
}

std::optional<FileIdentity> fileIdentity(const std::string& path)
{
    struct stat info {};
    if (path.empty() || ::stat(path.c_str(), &info) != 0)
        return std::nullopt;
    return FileIdentity{info.st_dev, info.st_ino};
}

bool SharedStore::sqliteConnector()
{
    std::call_once(_connectorDecided, [this] { _sqlite = asciiLower(_config.dbConnector) == "sqlite"; });
    return _sqlite;
}

bool SharedStore::fileStillThere(const std::string& requestPath, const std::optional<FileIdentity>& now)
{
    if (!sqliteConnector() || !_fileSeen)
        return true;
    const std::string& path = _config.dbConnection;
    if (now && (!_store || !_file || *now == *_file))
        return true;
    if (!now) {
        // Keep the connection: reopening would create a new, empty file.
        _log.error("store_unavailable",
                   {{"path", requestPath},
                    {"cause", "the database file was deleted or moved while the program ran; restore it "
                              "from a backup (or restart the program to start an empty one): " + path}});
        return false;
    }
    _log.warn("store_reopened", {{"cause", "the database file was replaced while the program ran: " + path}});
    _store.reset();
    _file.reset();
    ++_fileGeneration;
    return true;
}

std::shared_ptr<SqlStore> SharedStore::acquire(const std::string& requestPath)
{
    // Every request looks: with the lock taken after the system call, not
    // around it (a thread preempted in it held up all the others).
    const bool sqliteFile = sqliteConnector() && _config.dbConnection != ":memory:";
    const std::uint64_t generation = _fileGeneration;
    std::optional<FileIdentity> now = sqliteFile && _fileSeen ? fileIdentity(_config.dbConnection) : std::nullopt;
    std::lock_guard<std::mutex> lock(_mutex);
    if (sqliteFile && _fileGeneration != generation) // another thread (re)opened the file meanwhile
        now = fileIdentity(_config.dbConnection);
    if (!fileStillThere(requestPath, now))
        return nullptr;
    if (_store)
        return _store;
    try {
        if (!_checkpointer && sqliteFile && !_oneRequestPerProcess)
            _checkpointer = std::make_shared<WalCheckpointer>(_config.dbConnection, [this](const std::string& cause) {
                _log.warn("wal_checkpoint_failed", {{"cause", cause}});
            });
        StoreOptions options;
        options.oneRequestPerProcess = _oneRequestPerProcess;
        options.checkpointer = _checkpointer;
        options.sharedByThreads = _sharedByThreads;
        options.shareWriter = _shareWriter; // the store knows whether its database can be shared
        options.sharedWriterReport = [this](const std::string& event, const std::string& cause) {
            if (event == "shared_writer_started")
                _log.info(event.c_str(), {{"cause", cause}});
            else
                _log.warn(event.c_str(), {{"cause", cause}});
        };
        _store = openStore(_config, std::move(options));
    } catch (const StoreError& e) {
        _log.error("store_unavailable", {{"path", requestPath}, {"cause", e.what()}});
        return nullptr;
    }
    if (sqliteConnector()) {
        const auto opened = fileIdentity(_config.dbConnection); // none for ":memory:"
        // A file other than the one opened before: restored or replaced.
        if (opened && _fileSeen && _file && !(*opened == *_file))
            _log.warn("store_reopened",
                      {{"cause", "the database file was replaced while the program ran: " + _config.dbConnection}});
        if (opened) {
            _file = opened;
            _fileSeen = true;
            ++_fileGeneration;
        }
    }
    return _store;
}

void SharedStore::discard(const std::shared_ptr<SqlStore>& store)
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (_store == store)
        _store.reset();
}

std::shared_ptr<SqlStore> SharedStore::current()
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _store;
}

void Worker::afterResponse()
{
    // Only the store the request used, if still in service: no new
    // connection just for this.
    if (!_runtime.config.notifyEnabled() || !_store || _store != _runtime.store.current())
        return;
    // Few per request, so one slow receiver holds a worker only briefly;
    // the rest wait for the next request or `notify flush`.
    constexpr std::size_t kPerResponse = 5;
    try {
        // The sender of [notify] url loads the network module: only once
        // something is due, so most plain-CGI requests never load it.
        if (!_sender && _store->due(_runtime.clock(), 1).empty())
            return;
        if (!_sender)
            _sender = makeNotificationSender(_runtime.config, _runtime.clock);
        const DeliverySummary summary =
            deliverDue(*_store, *_sender, _runtime.clock, notificationDeliveryOptions(_runtime.config, kPerResponse));
        if (summary.delivered + summary.retrying + summary.failed > 0)
            _runtime.log.info("notifications_delivered", {{"delivered", std::to_string(summary.delivered)},
                                                           {"retrying", std::to_string(summary.retrying)},
                                                           {"failed", std::to_string(summary.failed)}});
    } catch (const std::exception& e) {
        _runtime.log.error("notification_delivery_failed", {{"cause", logSafe(e.what(), 300)}});
    }
}

HttpResponse Worker::handle(const HttpRequest& request)
{
    std::shared_ptr<SqlStore> store = _runtime.store.acquire(request.path);
    if (!store)
        return unavailable(request);
    if (store != _store) {
        _app.reset();
        _store = std::move(store);
        _app = std::make_unique<App>(_runtime.config, *_store, *_runtime.templates, _random, _runtime.clock,
                                     _runtime.log, _runtime.options);
    }
    HttpResponse response = _app->handle(request);
    if (response.status == 503)
        _runtime.store.discard(_store);
    return response;
}

} // namespace si
