#pragma once
// Routes a request to the flow and maps every outcome to a status and a
// page. One App per thread: it owns no locks, its Store is its own.
#include <memory>
#include <string>

#include "config/AppConfig.h"
#include "core/StateToken.h"
#include "core/Stores.h"
#include "http/HttpTypes.h"
#include "http/InstallFlow.h"
#include "http/Logger.h"
#include "web/TemplateRenderer.h"

namespace si {

struct AppOptions {
    /// Serve the local stand-in for Stripe's consent step under /_dev/
    /// (only ever enabled by `serve --dev` on a loopback address).
    bool devMarketplace = false;
};

class App {
public:
    App(const AppConfig& config, Store& store, const TemplateRenderer& templates, RandomSource& random,
        Clock clock, Logger& log, AppOptions options = {});

    /// Never throws: anything that escapes a route is logged and becomes a
    /// plain 500 page (the last-resort handler).
    HttpResponse handle(const HttpRequest& request);

private:
    HttpResponse route(const HttpRequest& request);
    HttpResponse installPage(const HttpRequest& request);
    HttpResponse start(const HttpRequest& request);
    HttpResponse callback(const HttpRequest& request);
    HttpResponse healthz();
    HttpResponse stylesheet(const HttpRequest& request);
    HttpResponse webhook(const HttpRequest& request);
    HttpResponse devConsent(const HttpRequest& request);
    HttpResponse devDecide(const HttpRequest& request);

    /// A page from the templates with the security headers every page has;
    /// falls back to the built-in page if the templates fail.
    HttpResponse page(int status, const std::string& name, TemplateValues values, const HttpRequest& request);
    /// The one place an error status becomes a page ("message" template).
    HttpResponse errorPage(int status, const std::string& heading, const std::string& message,
                           const HttpRequest& request);
    HttpResponse jsonResponse(int status, const std::string& json);
    std::string browserCookieHeader(const std::string& token, const HttpRequest& request) const;

    const AppConfig& _config;
    Store& _store;
    const TemplateRenderer& _templates;
    RandomSource& _random;
    Clock _clock;
    Logger& _log;
    AppOptions _options;
    InstallFlow _flow;
};

/// The browser-binding cookie's name.
extern const char* const kBrowserCookieName;

/// The path the binding cookie is scoped to: the folder of redirect_uri's
/// path, so the callback receives it wherever the page itself is mounted.
std::string cookiePathFor(const std::string& redirectUri);

} // namespace si
