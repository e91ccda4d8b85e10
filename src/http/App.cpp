#include "http/App.h"

#include <fstream>
#include <sstream>

#include "core/Cookies.h"
#include "core/InstallLink.h"
#include "core/Json.h"
#include "core/QueryString.h"
#include "core/Text.h"
#include "core/StoreError.h"

namespace si {

const char* const kBrowserCookieName = "stripe_install_browser";

namespace {

constexpr std::size_t kMaxQueryBytes = 8 * 1024;
// Our own cookie is 43 characters; browsers cap one cookie at 4096 bytes. A
// longer Cookie header is someone else's junk or an attack on the parser.
constexpr std::size_t kMaxCookieBytes = 4096;
constexpr std::size_t kMaxRefLength = 200;

const char* const kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

void addSecurityHeaders(HttpResponse& response)
{
    response.addHeader("Content-Security-Policy", kContentSecurityPolicy);
    response.addHeader("X-Content-Type-Options", "nosniff");
    response.addHeader("Referrer-Policy", "no-referrer");
    response.addHeader("X-Frame-Options", "DENY");
}

bool isPrintableRef(const std::string& ref)
{
    for (char ch : ref) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F)
            return false;
    }
    return isValidUtf8(ref);
}

/// What a visitor is told for each callback outcome: only what they can act on.
struct OutcomePage {
    int status;
    const char* heading;
    const char* message;
};

OutcomePage outcomePage(CallbackOutcome outcome)
{
    switch (outcome) {
    case CallbackOutcome::Installed:
        return {200, "Installed", ""};
    case CallbackOutcome::Cancelled:
        return {200, "Installation cancelled", "You cancelled the installation on Stripe, so nothing was installed. You can start again whenever you like."};
    case CallbackOutcome::Malformed:
        return {400, "This link is incomplete", "The address you arrived with is missing information from Stripe. Please start the installation again."};
    case CallbackOutcome::BadSignature:
        return {400, "We could not confirm this installation", "The confirmation from Stripe could not be verified, or it is too old. Please start the installation again."};
    case CallbackOutcome::MissingState:
    case CallbackOutcome::UnknownState:
        return {400, "This installation was not started here", "We have no record of starting this installation. Please start it again from this page."};
    case CallbackOutcome::StateUsed:
        return {400, "This link has already been used", "Each installation link works once. If the app is not installed yet, please start again."};
    case CallbackOutcome::StateExpired:
        return {400, "This installation link has expired", "Installation links are valid for a few minutes. Please start again."};
    case CallbackOutcome::OtherBrowser:
        return {400, "Please finish in the same browser", "The installation was started in another browser or your cookies were cleared. Please start again in this browser."};
    case CallbackOutcome::ModeNotAccepted:
        return {400, "This mode is not accepted", "This app accepts installations in a different mode (live or test) than the one you chose on Stripe."};
    }
    return {400, "Something went wrong", "Please start the installation again."};
}

} // namespace

std::string cookiePathFor(const std::string& redirectUri)
{
    // scheme://host[:port]/path?query → the folder of /path
    std::string path = "/";
    const auto schemeEnd = redirectUri.find("://");
    if (schemeEnd != std::string::npos) {
        const auto pathStart = redirectUri.find('/', schemeEnd + 3);
        if (pathStart != std::string::npos) {
            path = redirectUri.substr(pathStart);
            path = path.substr(0, path.find_first_of("?#"));
        }
    }
    const auto lastSlash = path.rfind('/');
    path = path.substr(0, lastSlash + 1);
    // Only characters that cannot break the Set-Cookie header.
    for (char c : path)
        if (c == ';' || c == ',' || static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E)
            return "/";
    return path.empty() ? "/" : path;
}

App::App(const AppConfig& config, Store& store, const TemplateRenderer& templates, RandomSource& random,
         Clock clock, Logger& log, AppOptions options)
    : _config(config), _store(store), _templates(templates), _random(random), _clock(clock), _log(log),
      _options(options), _flow(config, store, random, clock)
{
}

HttpResponse App::handle(const HttpRequest& request)
{
    try {
        return route(request);
    } catch (const StoreError& e) {
        _log.error("store_unavailable", {{"path", request.path}, {"cause", e.what()}});
        return errorPage(503, "Temporarily unavailable",
                         "The page cannot reach its database right now. Please try again in a minute.", request);
    } catch (const std::exception& e) {
        _log.error("internal_error", {{"path", request.path}, {"cause", e.what()}});
    } catch (...) {
        _log.error("internal_error", {{"path", request.path}, {"cause", "unknown exception"}});
    }
    HttpResponse response;
    response.status = 500;
    response.addHeader("Content-Type", "text/html; charset=utf-8");
    response.addHeader("Cache-Control", "no-store");
    addSecurityHeaders(response);
    response.body = builtInErrorPage(500, "Something went wrong", "Please try again in a minute.");
    return response;
}

HttpResponse App::route(const HttpRequest& request)
{
    if (request.rawQuery.size() > kMaxQueryBytes) {
        _log.warn("request_refused", {{"path", request.path}, {"cause", "query longer than 8 KiB"}});
        return errorPage(414, "Address too long", "The address of this request is too long.", request);
    }
    if (const auto cookie = request.header("cookie"); cookie && cookie->size() > kMaxCookieBytes) {
        _log.warn("request_refused", {{"path", request.path}, {"cause", "Cookie header longer than 4096 bytes"}});
        return errorPage(431, "Cookies too large",
                         "Your browser sent too many or too large cookies for this site. Clear this site's "
                         "cookies and try again.",
                         request);
    }
    const std::string& path = request.path.empty() ? std::string("/") : request.path;
    const bool get = request.method == "GET" || request.method == "HEAD";

    struct Route {
        const char* path;
        bool post;
        HttpResponse (App::*handler)(const HttpRequest&);
    };
    static const Route routes[] = {
        {"/", false, &App::installPage},
        {"/start", false, &App::start},
        {"/callback", false, &App::callback},
        {"/assets/style.css", false, &App::stylesheet},
        {"/webhook", true, &App::webhook},
    };
    for (const Route& r : routes) {
        if (path != r.path)
            continue;
        if (r.post ? request.method != "POST" : !get)
            return errorPage(405, "Method not allowed", "This address does not accept that kind of request.", request);
        return (this->*r.handler)(request);
    }
    if (path == "/healthz")
        return get ? healthz() : errorPage(405, "Method not allowed", "Use GET.", request);
    if (path == "/admin" || path.rfind("/admin/", 0) == 0)
        return admin(request);
    if (_options.devMarketplace) {
        const std::string consentPrefix = "/_dev/marketplace/apps/install/link/";
        if (path.rfind(consentPrefix, 0) == 0 && get)
            return devConsent(request);
        if (path == "/_dev/marketplace/decide" && request.method == "POST")
            return devDecide(request);
    }
    return errorPage(404, "Page not found", "There is nothing at this address.", request);
}

HttpResponse App::page(int status, const std::string& name, TemplateValues values, const HttpRequest& request)
{
    values.set("app_name", _config.appName);
    values.set("assets_url", request.scriptName + "/assets");
    HttpResponse response;
    response.status = status;
    try {
        response.body = _templates.render(name, values);
    } catch (const TemplateError& e) {
        _log.error("template_failed", {{"template", name}, {"cause", e.what()}});
        response.status = 500;
        response.body = builtInErrorPage(500, "Something went wrong", "Please try again in a minute.");
    }
    response.addHeader("Content-Type", "text/html; charset=utf-8");
    response.addHeader("Cache-Control", "no-store");
    addSecurityHeaders(response);
    // HEAD keeps the body: the web server (or Poco) drops it after using its
    // length, so Content-Length stays true.
    return response;
}

HttpResponse App::errorPage(int status, const std::string& heading, const std::string& message,
                            const HttpRequest& request)
{
    TemplateValues values;
    values.set("title", heading).set("heading", heading).set("message", message).set("status", std::to_string(status));
    HttpResponse response = page(status, "message", values, request);
    if (status == 405) {
        const bool postOnly = request.path == "/webhook" || request.path == "/admin/login" ||
                              request.path == "/admin/logout" ||
                              (request.path.rfind("/admin/installs/", 0) == 0 &&
                               request.path.size() > 7 && request.path.substr(request.path.size() - 7) == "/revoke");
        response.addHeader("Allow", postOnly ? "POST" : "GET, HEAD");
    }
    return response;
}

HttpResponse App::jsonResponse(int status, const std::string& json)
{
    HttpResponse response;
    response.status = status;
    response.addHeader("Content-Type", "application/json");
    response.addHeader("Cache-Control", "no-store");
    response.addHeader("X-Content-Type-Options", "nosniff");
    response.body = json + "\n";
    return response;
}

std::string App::browserCookieHeader(const std::string& token, const HttpRequest& request) const
{
    CookieAttributes attributes;
    attributes.path = cookiePathFor(_config.redirectUri);
    attributes.secure = request.https;
    // Outlives every state it binds: the longest a visitor can take.
    attributes.maxAgeSeconds = _config.stateTtl + 3600;
    return formatSetCookie(kBrowserCookieName, token, attributes);
}

HttpResponse App::installPage(const HttpRequest& request)
{
    const auto cookie = findCookie(request.header("cookie").value_or(""), kBrowserCookieName);
    // Counted with the state it mints, in one transaction (HEAD is no view).
    const BeginResult begun = _flow.begin(cookie, "", request.method == "GET" ? "page_view" : "");
    logFunnelProblem("page_view", begun);
    TemplateValues values;
    values.set("title", "Install " + _config.appName).set("install_url", begun.installLink);
    for (const std::string& permission : _config.permissions)
        values.add("permissions", TemplateValues().set("text", permission));
    HttpResponse response = page(200, "install", values, request);
    if (begun.browserTokenIsNew)
        response.addHeader("Set-Cookie", browserCookieHeader(begun.browserToken, request));
    return response;
}

HttpResponse App::start(const HttpRequest& request)
{
    const auto parsed = QueryString::parse(request.rawQuery);
    if (!parsed.ok()) {
        _log.warn("start_refused", {{"cause", parsed.error}});
        return errorPage(400, "This link is not valid", "The installation link is malformed: " + parsed.error + ".", request);
    }
    const std::string ref = parsed.query.get("ref").value_or("");
    if (ref.size() > kMaxRefLength || !isPrintableRef(ref)) {
        _log.warn("start_refused", {{"cause", "ref longer than 200 characters or not printable text"}});
        return errorPage(400, "This link is not valid",
                         "The reference in this link must be at most 200 printable characters.", request);
    }
    const auto cookie = findCookie(request.header("cookie").value_or(""), kBrowserCookieName);
    const BeginResult begun = _flow.begin(cookie, ref, request.method == "GET" ? "start" : "");
    logFunnelProblem("start", begun);
    HttpResponse response;
    response.status = 303;
    response.addHeader("Location", begun.installLink);
    response.addHeader("Cache-Control", "no-store");
    response.addHeader("Referrer-Policy", "no-referrer");
    if (begun.browserTokenIsNew)
        response.addHeader("Set-Cookie", browserCookieHeader(begun.browserToken, request));
    _log.info("start", {{"ref", ref}});
    return response;
}

HttpResponse App::callback(const HttpRequest& request)
{
    const auto cookie = findCookie(request.header("cookie").value_or(""), kBrowserCookieName);
    const CallbackResult result = _flow.complete(readInstallCallback(request.rawQuery), cookie);
    const std::string retryUrl = request.scriptName + "/";

    if (result.outcome == CallbackOutcome::Installed) {
        const Install& install = result.install;
        _log.info("install_recorded", {{"account", install.accountId},
                                       {"livemode", install.livemode ? "true" : "false"},
                                       {"ref", install.ref}});
        if (!_config.returnUrl.empty()) {
            HttpResponse response;
            response.status = 303;
            std::string location = appendQueryParameter(_config.returnUrl, "account_id", install.accountId);
            location = appendQueryParameter(location, "livemode", install.livemode ? "true" : "false");
            response.addHeader("Location", location);
            response.addHeader("Cache-Control", "no-store");
            response.addHeader("Referrer-Policy", "no-referrer");
            return response;
        }
        TemplateValues values;
        values.set("title", _config.appName + " is installed")
            .set("account_id", install.accountId)
            .set("test_mode", !install.livemode);
        if (_options.accountName)
            if (const auto name = _options.accountName(install.accountId))
                values.set("account_name", *name);
        return page(200, "success", values, request);
    }

    // Successful installs are counted by the store, in their transaction.
    const OutcomePage shown = outcomePage(result.outcome);
    if (result.outcome == CallbackOutcome::Cancelled) {
        _log.info("install_cancelled", {{"detail", result.detail}});
        countFunnel("cancelled");
    } else {
        _log.warn("callback_refused", {{"reason", toCode(result.outcome)}, {"detail", result.detail}});
        countFunnel("failed", toCode(result.outcome));
    }

    TemplateValues values;
    std::string message = shown.message;
    if (result.outcome == CallbackOutcome::Cancelled && !result.cancelDescription.empty())
        message = "Stripe said: \u201c" + result.cancelDescription + "\u201d. " + message;
    values.set("title", shown.heading)
        .set("heading", shown.heading)
        .set("message", message)
        .set("reason_code", toCode(result.outcome))
        .set("retry_url", retryUrl)
        .set("cancelled", result.outcome == CallbackOutcome::Cancelled);
    return page(shown.status, "failure", values, request);
}

void App::logFunnelProblem(const char* metric, const BeginResult& begun)
{
    if (begun.funnelProblem)
        _log.warn("funnel_count_failed", {{"metric", metric}, {"reason", ""}, {"cause", *begun.funnelProblem}});
}

void App::countFunnel(const char* metric, const std::string& reason)
{
    // The funnel is statistics: losing one count must never cost a visitor
    // their page.
    try {
        _store.countFunnel(_clock(), metric, reason);
    } catch (const std::exception& e) {
        _log.warn("funnel_count_failed", {{"metric", metric}, {"reason", reason}, {"cause", e.what()}});
    } catch (...) {
        _log.warn("funnel_count_failed", {{"metric", metric}, {"reason", reason}, {"cause", "unknown exception"}});
    }
}

HttpResponse App::healthz()
{
    try {
        _store.ping();
        return jsonResponse(200, R"({"status":"ok","database":"ok"})");
    } catch (const StoreError& e) {
        _log.error("healthz_failed", {{"cause", e.what()}});
        return jsonResponse(503, R"({"status":"unavailable","database":"error"})");
    }
}

HttpResponse App::stylesheet(const HttpRequest& request)
{
    std::ifstream in(_config.templatesDir + "/style.css", std::ios::binary);
    if (!in)
        return errorPage(404, "Page not found", "There is nothing at this address.", request);
    std::ostringstream css;
    css << in.rdbuf();
    HttpResponse response;
    response.addHeader("Content-Type", "text/css; charset=utf-8");
    response.addHeader("Cache-Control", "public, max-age=3600");
    response.addHeader("X-Content-Type-Options", "nosniff");
    response.body = css.str();
    return response;
}

} // namespace si
