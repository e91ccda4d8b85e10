// The admin page's install views (issue 10): the overview (installs with
// filters and search, pending notifications, the funnel panel), one
// install's record and history, revoking by hand, and the CSV export.
// Routing, sessions and CSRF tokens are in AdminPages.cpp.
#include <sstream>

#include "core/AdminAuth.h"
#include "core/Outbox.h"
#include "core/QueryString.h"
#include "core/Text.h"
#include "http/AdminFilter.h"
#include "http/App.h"
#include "http/FunnelPanel.h"
#include "http/InstallCsv.h"

namespace si {
namespace {

constexpr std::size_t kMaxListedInstalls = 500;
constexpr std::int64_t kDaySeconds = 86400;

std::string optionalTime(const std::optional<std::int64_t>& t) { return t ? rfc3339(*t) : ""; }

Outbox* outboxOf(Store& store) { return dynamic_cast<Outbox*>(&store); }

void addOption(TemplateValues& values, const char* list, const char* value, const char* label, bool selected)
{
    values.add(list, TemplateValues().set("value", value).set("label", label).set("selected", selected));
}

} // namespace

HttpResponse App::adminOverview(const HttpRequest& request, const std::string& session)
{
    const auto parsed = QueryString::parse(request.rawQuery);
    const AdminFilter filter = readAdminFilter(parsed.ok() ? parsed.query : QueryString());
    const std::string base = adminUrl(request);

    TemplateValues values;
    values.set("title", "Installs").set("csrf_token", csrfToken(adminKey(), session)).set("q", filter.q);
    addOption(values, "status_options", "all", "All", filter.status == "all");
    addOption(values, "status_options", "active", "Active", filter.status == "active");
    addOption(values, "status_options", "revoked", "Revoked", filter.status == "revoked");
    addOption(values, "mode_options", "all", "Live and test", filter.mode == "all");
    addOption(values, "mode_options", "live", "Live", filter.mode == "live");
    addOption(values, "mode_options", "test", "Test", filter.mode == "test");
    values.set("export_url", base + "/installs.csv" + adminFilterQuery(filter));

    const std::vector<Install> installs = filteredInstalls(_store, filter);
    std::size_t shown = 0;
    for (const Install& install : installs) {
        if (++shown > kMaxListedInstalls)
            break;
        values.add("installs", TemplateValues()
                                   .set("account_id", install.accountId)
                                   .set("detail_url", base + "/installs/" + percentEncode(install.accountId) +
                                                          (install.livemode ? "?mode=live" : "?mode=test"))
                                   .set("live", install.livemode)
                                   .set("active", install.active())
                                   .set("ref", install.ref)
                                   .set("installed", rfc3339(install.installedAt))
                                   .set("revoked", optionalTime(install.revokedAt))
                                   .set("revoked_by", install.revokedBy));
    }
    values.set("has_installs", !installs.empty());
    values.set("install_count", installs.size() > kMaxListedInstalls
                                    ? "The first " + std::to_string(kMaxListedInstalls) + " of " +
                                          std::to_string(installs.size())
                                    : std::to_string(installs.size()));

    if (Outbox* outbox = outboxOf(_store)) {
        bool any = false;
        for (OutboxStatus status : {OutboxStatus::Pending, OutboxStatus::Failed}) {
            OutboxFilter byStatus;
            byStatus.status = status;
            byStatus.limit = 50;
            for (const OutboxEntry& entry : outbox->list(byStatus)) {
                any = true;
                values.add("notifications",
                           TemplateValues()
                               .set("id", entry.notification.id)
                               .set("type", toString(entry.notification.type))
                               .set("account_id", entry.notification.accountId)
                               .set("status", toString(entry.status))
                               .set("attempts", std::to_string(entry.attempts))
                               .set("next_attempt", entry.status == OutboxStatus::Pending
                                                        ? rfc3339(entry.nextAttemptAt)
                                                        : std::string())
                               .set("last_error", entry.lastError));
            }
        }
        values.set("has_notifications", any);
    }

    // The funnel: UTC days, oldest first.
    const std::int64_t now = _clock();
    std::vector<std::string> days;
    for (int back = filter.days - 1; back >= 0; --back)
        days.push_back(utcDay(now - back * kDaySeconds));
    addFunnelPanel(values, days, _store.funnel(days.front()));
    for (int period : kAdminPeriods) {
        AdminFilter other = filter;
        other.days = period;
        const std::string query = adminFilterQuery(other);
        values.add("period_options", TemplateValues()
                                         .set("url", base + query + (query.empty() ? "?" : "&") + "days=" +
                                                         std::to_string(period))
                                         .set("label", std::to_string(period) + " days")
                                         .set("current", period == filter.days));
    }
    return adminPage(200, "admin", values, request);
}

HttpResponse App::adminInstall(const HttpRequest& request, const std::string& session, const std::string& accountId)
{
    const auto parsed = QueryString::parse(request.rawQuery);
    const QueryString query = parsed.ok() ? parsed.query : QueryString();
    const std::vector<Install> installs = _store.findInstalls(accountId);
    if (installs.empty())
        return errorPage(404, "No such install", "There is no install for this account.", request);
    // One row per mode: ?mode= picks it; otherwise the first the store has.
    const std::string mode = query.get("mode").value_or("");
    const Install* install = &installs.front();
    for (const Install& candidate : installs)
        if ((mode == "live" && candidate.livemode) || (mode == "test" && !candidate.livemode))
            install = &candidate;

    TemplateValues values;
    values.set("title", "Install " + accountId)
        .set("csrf_token", csrfToken(adminKey(), session))
        .set("account_id", install->accountId)
        .set("live", install->livemode)
        .set("active", install->active())
        .set("user_id", install->userId)
        .set("ref", install->ref)
        .set("source", install->source.empty() ? "unknown" : install->source)
        .set("installed", rfc3339(install->installedAt))
        .set("updated", rfc3339(install->updatedAt))
        .set("revoked", optionalTime(install->revokedAt))
        .set("revoked_by", install->revokedBy);
    if (const auto revoked = query.get("revoked"))
        values.set("notice", *revoked == "0" ? "Nothing was revoked: no install of this account was active."
                                             : "Revoked by hand.");
    bool anyActive = false;
    for (const Install& i : installs)
        anyActive = anyActive || i.active();
    if (anyActive)
        values.set("revoke_url", adminUrl(request) + "/installs/" + percentEncode(accountId) + "/revoke");

    bool anyEvent = false;
    for (const InstallEvent& event : _store.installHistory(accountId)) {
        if (event.livemode != install->livemode)
            continue;
        anyEvent = true;
        // "webhook:evt_…": who, then which Stripe event.
        const auto colon = event.by.find(':');
        values.add("events", TemplateValues()
                                 .set("time", rfc3339(event.at))
                                 .set("what", event.change)
                                 .set("by", event.by.substr(0, colon))
                                 .set("event_id", colon == std::string::npos ? "" : event.by.substr(colon + 1)));
    }
    values.set("has_events", anyEvent);

    if (Outbox* outbox = outboxOf(_store)) {
        OutboxFilter byAccount;
        byAccount.accountId = accountId;
        byAccount.limit = 20;
        bool any = false;
        for (const OutboxEntry& entry : outbox->list(byAccount)) {
            any = true;
            values.add("notifications", TemplateValues()
                                            .set("id", entry.notification.id)
                                            .set("type", toString(entry.notification.type))
                                            .set("status", toString(entry.status))
                                            .set("attempts", std::to_string(entry.attempts))
                                            .set("last_error", entry.lastError));
        }
        values.set("has_notifications", any);
    }
    return adminPage(200, "admin-install", values, request);
}

HttpResponse App::adminRevoke(const HttpRequest& request, const std::string& session, const std::string& accountId)
{
    const auto form = QueryString::parse(request.body);
    if (!form.ok() || !checkCsrfToken(adminKey(), session, form.query.get("csrf_token").value_or(""))) {
        _log.warn("admin_csrf_refused", {{"path", request.path}, {"client", logSafe(request.remoteAddr)}});
        return errorPage(403, "This form has expired",
                         "The form did not come from this admin page, so nothing was changed. Go back, reload "
                         "the page and try again.",
                         request);
    }
    if (form.query.get("confirm").value_or("") != "yes")
        return errorPage(400, "Please confirm",
                         "Tick the box that confirms the revocation, then press Revoke install again.", request);
    const std::size_t changed = _store.revokeByHand(accountId, _clock(), "admin");
    _log.info("admin_revoked", {{"account", logSafe(accountId)}, {"rows", std::to_string(changed)}});
    HttpResponse response;
    response.status = 303;
    const std::string mode = form.query.get("mode").value_or("");
    response.addHeader("Location", adminUrl(request) + "/installs/" + percentEncode(accountId) + "?revoked=" +
                                       std::to_string(changed) +
                                       (mode == "live" || mode == "test" ? "&mode=" + mode : std::string()));
    response.addHeader("Cache-Control", "no-store");
    return response;
}

HttpResponse App::adminCsv(const HttpRequest& request)
{
    const auto parsed = QueryString::parse(request.rawQuery);
    const AdminFilter filter = readAdminFilter(parsed.ok() ? parsed.query : QueryString());
    std::ostringstream csv;
    writeInstallsCsv(csv, filteredInstalls(_store, filter));
    HttpResponse response;
    response.addHeader("Content-Type", "text/csv; charset=utf-8");
    response.addHeader("Content-Disposition", "attachment; filename=\"installs.csv\"");
    response.addHeader("Cache-Control", "no-store");
    response.addHeader("X-Content-Type-Options", "nosniff");
    response.body = csv.str();
    return response;
}

} // namespace si
