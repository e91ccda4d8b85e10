// A local stand-in for Stripe's consent step, for `serve --dev` only: shows
// "select account / Install / Cancel" and redirects back exactly as Stripe
// does — signed with the configured app secret, livemode=false — so the whole
// flow can be tried without a Stripe account. Never enabled behind a web server.
#include "core/InstallPayload.h"
#include "core/QueryString.h"
#include "core/SignatureHeader.h"
#include "core/Text.h"
#include "http/App.h"

namespace si {
namespace {

struct DemoAccount {
    const char* id;
    const char* name;
};
const DemoAccount kDemoAccounts[] = {
    {"acct_1DevDemoShop0001", "Demo Shop (sandbox)"},
    {"acct_1DevDemoStore002", "Second Demo Store (sandbox)"},
};
const char* const kDemoUserId = "usr_DevDemoUser01";

} // namespace

HttpResponse App::devConsent(const HttpRequest& request)
{
    const std::string prefix = "/_dev/marketplace/apps/install/link/";
    const std::string appId = request.path.substr(prefix.size());
    const auto parsed = QueryString::parse(request.rawQuery);
    if (!parsed.ok())
        return errorPage(400, "Invalid install link", parsed.error + ".", request);
    const std::string redirectUri = parsed.query.get("redirect_uri").value_or("");
    if (appId != _config.appId)
        return errorPage(404, "No such app", "The install link names an app this stand-in does not know.", request);
    // Stripe only redirects to a URI listed in the manifest's allowed_redirect_uris.
    if (redirectUri != _config.redirectUri)
        return errorPage(400, "Redirect not allowed",
                         "redirect_uri does not match the app's configured redirect_uri.", request);

    TemplateValues values;
    values.set("title", "Install " + _config.appName + " (local stand-in)")
        .set("app_id", appId)
        .set("redirect_uri", redirectUri)
        .set("state", parsed.query.get("state").value_or(""))
        .set("action_url", request.scriptName + "/_dev/marketplace/decide")
        .set("csrf", "");
    bool first = true;
    for (const DemoAccount& account : kDemoAccounts) {
        values.add("accounts", TemplateValues().set("account_id", account.id).set("name", account.name).set("checked", first));
        first = false;
    }
    return page(200, "dev-consent", values, request);
}

HttpResponse App::devDecide(const HttpRequest& request)
{
    const auto form = QueryString::parse(request.body);
    if (!form.ok())
        return errorPage(400, "Invalid form", form.error + ".", request);
    const std::string redirectUri = form.query.get("redirect_uri").value_or("");
    if (redirectUri != _config.redirectUri)
        return errorPage(400, "Redirect not allowed",
                         "redirect_uri does not match the app's configured redirect_uri.", request);
    const char separator = redirectUri.find('?') == std::string::npos ? '?' : '&';

    std::string location;
    if (form.query.get("decision").value_or("") != "install") {
        location = redirectUri + separator + "error=access_denied&error_description=" +
                   percentEncode("The user denied your request");
    } else {
        const std::string accountId = form.query.get("account_id").value_or("");
        bool known = false;
        for (const DemoAccount& account : kDemoAccounts)
            known = known || accountId == account.id;
        if (!known)
            return errorPage(400, "Choose an account", "Select one of the listed accounts.", request);
        InstallFields fields;
        fields.userId = kDemoUserId;
        fields.accountId = accountId;
        const auto state = form.query.get("state");
        if (state && !state->empty())
            fields.state = state;
        const std::string signature = signStripeStyle(installPayloadJson(fields), _config.appSecrets.front(), _clock());
        location = redirectUri + separator + "user_id=" + percentEncode(fields.userId) +
                   "&account_id=" + percentEncode(fields.accountId);
        if (fields.state)
            location += "&state=" + percentEncode(*fields.state);
        location += "&install_signature=" + percentEncode(signature) + "&livemode=false";
    }
    HttpResponse response;
    response.status = 303;
    response.addHeader("Location", location);
    response.addHeader("Cache-Control", "no-store");
    return response;
}

} // namespace si
