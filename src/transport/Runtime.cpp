#include "transport/Runtime.h"

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "core/StoreError.h"
#include "store/OpenStore.h"

namespace si {

Runtime::Runtime() : log(std::cerr) {}

std::unique_ptr<Runtime> Runtime::load(const std::string& configPath)
{
    auto runtime = std::make_unique<Runtime>();
    runtime->config = loadAppConfig(configPath, processEnvironment());
    runtime->templates.emplace(TemplateRenderer::load(runtime->config.templatesDir));
    runtime->clock = systemClock(runtime->log);
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

HttpResponse Worker::handle(const HttpRequest& request)
{
    if (!_app) {
        try {
            _store = openStore(_runtime.config);
            _app = std::make_unique<App>(_runtime.config, *_store, *_runtime.templates, _random, _runtime.clock,
                                         _runtime.log, _runtime.options);
        } catch (const StoreError& e) {
            _store.reset();
            _runtime.log.error("store_unavailable", {{"path", request.path}, {"cause", e.what()}});
            HttpResponse response;
            response.status = 503;
            response.addHeader("Content-Type", "text/html; charset=utf-8");
            response.addHeader("Cache-Control", "no-store");
            response.addHeader("Retry-After", "60");
            response.body = builtInErrorPage(503, "Temporarily unavailable",
                                             "The page cannot reach its database right now. Please try again in a minute.");
            return response;
        }
    }
    return _app->handle(request);
}

} // namespace si
