#pragma once
// Routes a request to the flow and maps every outcome to a status and a
// page. One App per thread: it owns no locks, its Store is its own.
#include <cstdint>
#include <memory>
#include <string>

#include "config/AppConfig.h"
#include "core/AccountNameLookup.h"
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
    /// The account's display name for the success page (Stripe API, short
    /// timeout); empty when no api_key is configured: no name shown.
    AccountNameLookup accountName;
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

    // The admin page (AdminPages.cpp: routes, sessions, login; AdminInstalls.cpp:
    // the pages): 404 unless [admin] password_hash is set.
    HttpResponse admin(const HttpRequest& request);
    HttpResponse adminOverview(const HttpRequest& request, const std::string& session);
    HttpResponse adminLoginPage(const HttpRequest& request, int status, const std::string& error,
                                std::int64_t waitSeconds);
    HttpResponse adminLogin(const HttpRequest& request);
    HttpResponse adminLogout(const HttpRequest& request, const std::string& session);
    HttpResponse adminInstall(const HttpRequest& request, const std::string& session, const std::string& accountId);
    HttpResponse adminRevoke(const HttpRequest& request, const std::string& session, const std::string& accountId);
    HttpResponse adminCsv(const HttpRequest& request);
    /// The valid session token the request carries, or "" (none, forged, expired).
    std::string adminSession(const HttpRequest& request) const;
    std::string adminKey() const;
    /// The admin page's base URL path: scriptName + "/admin".
    static std::string adminUrl(const HttpRequest& request);
    HttpResponse adminPage(int status, const std::string& name, TemplateValues values, const HttpRequest& request);

    /// Adds one to a funnel counter; a failure is logged, never thrown.
    void countFunnel(const char* metric, const std::string& reason = "");
    /// Logs, as countFunnel does, a metric the state's own write could not count.
    void logFunnelProblem(const char* metric, const BeginResult& begun);

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
/// The admin session cookie's name, and the pre-login cookie the login
/// form's CSRF token is bound to.
extern const char* const kAdminSessionCookieName;
extern const char* const kAdminLoginCookieName;

/// The path the binding cookie is scoped to: the folder of redirect_uri's
/// path, so the callback receives it wherever the page itself is mounted.
std::string cookiePathFor(const std::string& redirectUri);

} // namespace si
