#pragma once
// What every transport needs, loaded once per process: the validated
// configuration, the compiled templates, the log and the clock; and a
// Worker per thread holding that thread's own database connection.
#include <memory>
#include <optional>
#include <string>

#include "config/AppConfig.h"
#include "core/StateToken.h"
#include "core/Stores.h"
#include "http/App.h"
#include "http/Logger.h"
#include "web/TemplateRenderer.h"

namespace si {

struct Runtime {
    AppConfig config;
    std::optional<TemplateRenderer> templates;
    Logger log;
    Clock clock;
    AppOptions options;

    /// Loads the configuration at `configPath` and the templates it names.
    /// Throws ConfigError or TemplateError naming the file and key.
    static std::unique_ptr<Runtime> load(const std::string& configPath);

    Runtime();
};

/// The system clock, shifted by STRIPE_INSTALL_CLOCK_OFFSET seconds when
/// that is set (for tests that replay recorded, signed requests only).
Clock systemClock(Logger& log);

/// One thread's request handler. The database is opened on the first
/// request (and again after a failure), so a database problem is a 503 with
/// a log line, never a process that cannot start.
class Worker {
public:
    explicit Worker(Runtime& runtime) : _runtime(runtime) {}
    HttpResponse handle(const HttpRequest& request);

private:
    Runtime& _runtime;
    SystemRandom _random;
    std::unique_ptr<Store> _store;
    std::unique_ptr<App> _app;
};

} // namespace si
