// The admin page (issue 10): GET /admin and what hangs below it. Disabled
// (404) unless [admin] password_hash is set. Sessions are stateless signed
// tokens in an HttpOnly, SameSite=Strict cookie scoped to the admin path;
// every form carries a CSRF token bound to the session (the login form's to
// a random pre-login cookie); wrong passwords are throttled through the
// store, so every process shares the count. The pages themselves are in
// AdminInstalls.cpp.

#include "core/AdminAuth.h"
#include "core/Cookies.h"
#include "core/QueryString.h"
#include "core/Text.h"
#include "http/App.h"

namespace si {

const char* const kAdminSessionCookieName = "stripe_install_admin";
const char* const kAdminLoginCookieName = "stripe_install_admin_login";

namespace {

constexpr std::int64_t kSessionTtl = 8 * 3600;
constexpr std::int64_t kLoginCookieTtl = 3600;
constexpr std::size_t kMaxPasswordLength = 1024;
constexpr std::size_t kMaxAccountIdLength = 255;
// Failures from every address together: slows a guess spread over many
// addresses without locking the merchant out after a few typos.
const char* const kEveryClient = "*";

LoginThrottlePolicy everyClientPolicy()
{
    LoginThrottlePolicy policy;
    policy.freeFailures = 50;
    return policy;
}

std::string clientKey(const HttpRequest& request) { return "addr:" + request.remoteAddr; }

bool isShowableAccountId(const std::string& accountId)
{
    if (accountId.empty() || accountId.size() > kMaxAccountIdLength || !isValidUtf8(accountId))
        return false;
    for (char ch : accountId)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F || ch == '/')
            return false;
    return true;
}

} // namespace

std::string App::adminUrl(const HttpRequest& request) { return request.scriptName + "/admin"; }

std::string App::adminKey() const { return adminSessionKey(_config.adminSessionSecret, _config.adminPasswordHash); }

std::string App::adminSession(const HttpRequest& request) const
{
    const auto token = findCookie(request.header("cookie").value_or(""), kAdminSessionCookieName);
    if (!token || checkSessionToken(adminKey(), *token, _clock()) != SessionCheck::Valid)
        return "";
    return *token;
}

HttpResponse App::adminPage(int status, const std::string& name, TemplateValues values, const HttpRequest& request)
{
    values.set("admin_url", adminUrl(request));
    HttpResponse response = page(status, name, values, request); // no-store and the security headers
    response.addHeader("X-Robots-Tag", "noindex, nofollow");
    return response;
}

HttpResponse App::admin(const HttpRequest& request)
{
    if (_config.adminPasswordHash.empty())
        return errorPage(404, "Page not found", "There is nothing at this address.", request);
    const std::string sub = request.path.substr(6); // after "/admin"
    const bool get = request.method == "GET" || request.method == "HEAD";
    const bool post = request.method == "POST";
    const auto methodNotAllowed = [&] {
        return errorPage(405, "Method not allowed", "This address does not accept that kind of request.", request);
    };
    const auto toLogin = [&] {
        HttpResponse response;
        response.status = 303;
        response.addHeader("Location", adminUrl(request));
        response.addHeader("Cache-Control", "no-store");
        return response;
    };

    if (sub == "/login")
        return post ? adminLogin(request) : methodNotAllowed();
    const std::string session = adminSession(request);
    if (sub.empty() || sub == "/") {
        if (!get)
            return methodNotAllowed();
        return session.empty() ? adminLoginPage(request, 200, "", 0) : adminOverview(request, session);
    }
    if (sub == "/logout")
        return post ? adminLogout(request, session) : methodNotAllowed();
    if (sub == "/installs.csv") {
        if (!get)
            return methodNotAllowed();
        return session.empty() ? toLogin() : adminCsv(request);
    }
    const std::string installsPrefix = "/installs/";
    if (sub.rfind(installsPrefix, 0) == 0) {
        std::string account = sub.substr(installsPrefix.size());
        const std::string revokeSuffix = "/revoke";
        const bool revoke = account.size() > revokeSuffix.size() &&
                            account.compare(account.size() - revokeSuffix.size(), revokeSuffix.size(), revokeSuffix) == 0;
        if (revoke)
            account.resize(account.size() - revokeSuffix.size());
        if (!isShowableAccountId(account))
            return errorPage(404, "Page not found", "There is nothing at this address.", request);
        if (revoke) {
            if (!post)
                return methodNotAllowed();
            if (session.empty())
                return errorPage(403, "Please sign in again",
                                 "Your admin session has ended, so nothing was changed. Sign in and try again.",
                                 request);
            return adminRevoke(request, session, account);
        }
        if (!get)
            return methodNotAllowed();
        return session.empty() ? toLogin() : adminInstall(request, session, account);
    }
    return errorPage(404, "Page not found", "There is nothing at this address.", request);
}

HttpResponse App::adminLoginPage(const HttpRequest& request, int status, const std::string& error,
                                 std::int64_t waitSeconds)
{
    // The login form's CSRF token is bound to a random cookie of its own, so
    // a forged cross-site login (logging the merchant in as nobody) fails too.
    auto binding = findCookie(request.header("cookie").value_or(""), kAdminLoginCookieName);
    const bool fresh = !binding || !looksLikeToken(*binding);
    if (fresh)
        binding = mintToken(_random);
    TemplateValues values;
    values.set("title", "Admin sign-in").set("csrf_token", csrfToken(adminKey(), *binding)).set("error", error);
    if (waitSeconds > 0)
        values.set("wait_seconds", std::to_string(waitSeconds));
    HttpResponse response = adminPage(status, "admin-login", values, request);
    if (fresh) {
        CookieAttributes attributes;
        attributes.path = adminUrl(request);
        attributes.secure = request.https;
        attributes.sameSite = "Strict";
        attributes.maxAgeSeconds = kLoginCookieTtl;
        response.addHeader("Set-Cookie", formatSetCookie(kAdminLoginCookieName, *binding, attributes));
    }
    if (waitSeconds > 0)
        response.addHeader("Retry-After", std::to_string(waitSeconds));
    return response;
}

HttpResponse App::adminLogin(const HttpRequest& request)
{
    const auto form = QueryString::parse(request.body);
    const auto binding = findCookie(request.header("cookie").value_or(""), kAdminLoginCookieName);
    const std::string submitted = form.ok() ? form.query.get("csrf_token").value_or("") : "";
    if (!binding || !looksLikeToken(*binding) || !checkCsrfToken(adminKey(), *binding, submitted)) {
        _log.warn("admin_csrf_refused", {{"path", request.path}, {"client", logSafe(request.remoteAddr)}});
        return adminLoginPage(request, 403, "This sign-in form has expired or did not come from this page. "
                                            "Please enter your password again.", 0);
    }

    const std::int64_t now = _clock();
    const LoginThrottlePolicy policy;
    const std::string client = clientKey(request);
    LoginThrottleDecision decision = loginThrottle(_store.loginFailuresSince(client, now - policy.window), now, policy);
    if (decision.allowed) {
        const LoginThrottlePolicy overall = everyClientPolicy();
        decision = loginThrottle(_store.loginFailuresSince(kEveryClient, now - overall.window), now, overall);
    }
    if (!decision.allowed) {
        _log.warn("admin_login_throttled",
                  {{"client", logSafe(request.remoteAddr)}, {"wait_seconds", std::to_string(decision.waitSeconds)}});
        return adminLoginPage(request, 429, "", decision.waitSeconds);
    }

    const std::string password = form.query.get("password").value_or("");
    if (password.empty() || password.size() > kMaxPasswordLength ||
        !verifyPassword(password, _config.adminPasswordHash)) {
        _store.recordLoginFailure(client, now);
        _store.recordLoginFailure(kEveryClient, now);
        _log.warn("admin_login_failed", {{"client", logSafe(request.remoteAddr)}});
        return adminLoginPage(request, 403, "That password is not right. Please try again.", 0);
    }

    _store.clearLoginFailures(client);
    _log.info("admin_login", {{"client", logSafe(request.remoteAddr)}});
    CookieAttributes attributes;
    attributes.path = adminUrl(request);
    attributes.secure = request.https;
    attributes.sameSite = "Strict";
    attributes.maxAgeSeconds = kSessionTtl;
    HttpResponse response;
    response.status = 303;
    response.addHeader("Location", adminUrl(request));
    response.addHeader("Cache-Control", "no-store");
    response.addHeader("Set-Cookie", formatSetCookie(kAdminSessionCookieName,
                                                     mintSessionToken(adminKey(), now, kSessionTtl, _random),
                                                     attributes));
    return response;
}

HttpResponse App::adminLogout(const HttpRequest& request, const std::string& session)
{
    HttpResponse response;
    response.status = 303;
    response.addHeader("Location", adminUrl(request));
    response.addHeader("Cache-Control", "no-store");
    if (session.empty())
        return response; // nothing to end
    const auto form = QueryString::parse(request.body);
    if (!form.ok() || !checkCsrfToken(adminKey(), session, form.query.get("csrf_token").value_or(""))) {
        _log.warn("admin_csrf_refused", {{"path", request.path}, {"client", logSafe(request.remoteAddr)}});
        return errorPage(403, "This form has expired",
                         "The form did not come from this admin page, so nothing was changed. Go back, reload "
                         "the page and try again.",
                         request);
    }
    // Sessions are stateless: signing out removes the cookie from this
    // browser (a new password or session_secret ends every session).
    CookieAttributes attributes;
    attributes.path = adminUrl(request);
    attributes.secure = request.https;
    attributes.sameSite = "Strict";
    response.addHeader("Set-Cookie", formatSetCookie(kAdminSessionCookieName, "", attributes) + "; Max-Age=0");
    _log.info("admin_logout", {{"client", logSafe(request.remoteAddr)}});
    return response;
}

} // namespace si
