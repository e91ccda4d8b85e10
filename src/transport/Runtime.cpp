#include "transport/Runtime.h"

#include "stripe/AccountName.h"

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "core/StoreError.h"
#include "core/Text.h"
#include "store/OpenStore.h"
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

Runtime::Runtime() : log(std::cerr) {}

std::unique_ptr<Runtime> Runtime::load(const std::string& configPath)
{
    auto runtime = std::make_unique<Runtime>();
    runtime->config = loadAppConfig(configPath, processEnvironment());
    runtime->templates.emplace(TemplateRenderer::load(runtime->config.templatesDir));
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

bool Worker::databaseFileStillThere(const HttpRequest& request)
{
    if (asciiLower(_runtime.config.dbConnector) != "sqlite" || !_runtime.databaseFileSeen)
        return true;
    const std::string& path = _runtime.config.dbConnection;
    const auto now = fileIdentity(path);
    if (now && (!_databaseFile || *now == *_databaseFile))
        return true;
    if (!now) {
        // Keep the connection: reopening would create a new, empty file.
        _runtime.log.error("store_unavailable",
                           {{"path", request.path},
                            {"cause", "the database file was deleted or moved while the program ran; restore it "
                                      "from a backup (or restart the program to start an empty one): " + path}});
        return false;
    }
    _runtime.log.warn("store_reopened", {{"cause", "the database file was replaced while the program ran: " + path}});
    _app.reset();
    _store.reset();
    _databaseFile.reset();
    return true;
}

void Worker::afterResponse()
{
    // Only a store the request opened: no new connection just for this.
    if (!_runtime.config.notifyEnabled() || !_store)
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
    if (!databaseFileStillThere(request))
        return unavailable(request);
    if (_app && _generation != _runtime.storeGeneration) {
        _app.reset();
        _store.reset();
        _databaseFile.reset();
    }
    if (!_app) {
        try {
            _generation = _runtime.storeGeneration;
            _store = openStore(_runtime.config);
            _app = std::make_unique<App>(_runtime.config, *_store, *_runtime.templates, _random, _runtime.clock,
                                         _runtime.log, _runtime.options);
            if (asciiLower(_runtime.config.dbConnector) == "sqlite") {
                _databaseFile = fileIdentity(_runtime.config.dbConnection); // none for ":memory:"
                if (_databaseFile) {
                    const auto device = static_cast<unsigned long long>(_databaseFile->device);
                    const auto inode = static_cast<unsigned long long>(_databaseFile->inode);
                    // Whichever worker first opens a restored or replaced file says so.
                    if (_runtime.databaseFileSeen &&
                        (_runtime.seenDevice.exchange(device) != device || _runtime.seenInode.exchange(inode) != inode))
                        _runtime.log.warn("store_reopened",
                                          {{"cause", "the database file was replaced while the program ran: " +
                                                         _runtime.config.dbConnection}});
                    _runtime.seenDevice = device;
                    _runtime.seenInode = inode;
                    _runtime.databaseFileSeen = true;
                }
            }
        } catch (const StoreError& e) {
            _store.reset();
            _runtime.log.error("store_unavailable", {{"path", request.path}, {"cause", e.what()}});
            return unavailable(request);
        }
    }
    HttpResponse response = _app->handle(request);
    if (response.status == 503) {
        // A store fault: open afresh next time, so a connection that SQLite
        // opened read-only (or that saw a now-fixed fault) is not kept.
        ++_runtime.storeGeneration;
        _app.reset();
        _store.reset();
        _databaseFile.reset();
    }
    return response;
}

} // namespace si
