#include "store/MerchantTables.h"

#include "store/SqlDialect.h"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace si::merchanttables {
namespace {

const std::string kOutboxColumns =
    "SELECT id, type, account_id, user_id, livemode, ref, happened_at, body, status, attempts, created_at,"
    " next_attempt_at, lease_until, delivered_at, last_error FROM notification_outbox ";

/// The columns of kOutboxColumns, one vector per column.
struct OutboxRows {
    std::vector<std::string> id, type, accountId, userId, ref, body, status, lastError;
    std::vector<int> livemode, attempts;
    std::vector<Poco::Int64> happenedAt, createdAt, nextAttemptAt;
    std::vector<Poco::Nullable<Poco::Int64>> leaseUntil, deliveredAt;

    void bind(Statement& statement)
    {
        statement, into(id), into(type), into(accountId), into(userId), into(livemode), into(ref),
            into(happenedAt), into(body), into(status), into(attempts), into(createdAt), into(nextAttemptAt),
            into(leaseUntil), into(deliveredAt), into(lastError);
    }
    std::vector<OutboxEntry> entries() const
    {
        std::vector<OutboxEntry> out(id.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            OutboxEntry& e = out[i];
            Notification& n = e.notification;
            n.id = id.at(i);
            // A type this program does not know (written by a newer one) is
            // shown as an update: its body is sent as stored anyway.
            n.type = parseNotificationType(type.at(i)).value_or(NotificationType::InstallUpdated);
            n.accountId = accountId.at(i);
            n.userId = userId.at(i);
            n.livemode = livemode.at(i) != 0;
            n.ref = ref.at(i);
            n.time = happenedAt.at(i);
            e.body = body.at(i);
            e.status = parseOutboxStatus(status.at(i)).value_or(OutboxStatus::Pending);
            e.attempts = attempts.at(i);
            e.createdAt = createdAt.at(i);
            e.nextAttemptAt = nextAttemptAt.at(i);
            if (!leaseUntil.at(i).isNull())
                e.leaseUntil = leaseUntil.at(i).value();
            if (!deliveredAt.at(i).isNull())
                e.deliveredAt = deliveredAt.at(i).value();
            e.lastError = lastError.at(i);
        }
        return out;
    }
};

} // namespace

void appendInstallEvent(Session& s, const SqlDialect& d, const InstallEvent& event)
{
    std::string account = event.accountId, change = event.change, by = event.by;
    int livemode = event.livemode ? 1 : 0;
    Poco::Int64 at = event.at;
    s << d.sql("INSERT INTO install_events (account_id, livemode, change, changed_by, at) VALUES (?, ?, ?, ?, ?)"),
        use(account), use(livemode), use(change), use(by), use(at), now;
}

std::vector<InstallEvent> installHistory(Session& s, const SqlDialect& d, const std::string& accountId)
{
    std::string account = accountId;
    std::vector<std::string> accounts, changes, bys;
    std::vector<int> livemodes;
    std::vector<Poco::Int64> ats;
    s << d.sql("SELECT account_id, livemode, change, changed_by, at FROM install_events WHERE account_id = ?"
               " ORDER BY at, seq"),
        use(account), into(accounts), into(livemodes), into(changes), into(bys), into(ats), now;
    std::vector<InstallEvent> events(accounts.size());
    for (std::size_t i = 0; i < events.size(); ++i)
        events[i] = InstallEvent{accounts[i], livemodes[i] != 0, changes[i], bys[i], ats[i]};
    return events;
}

void countFunnel(Session& s, const SqlDialect& d, const std::string& day, const std::string& metric,
                 const std::string& reason)
{
    std::string dayValue = day, metricValue = metric, reasonValue = reason;
    s << d.sql("INSERT INTO funnel_daily (day, metric, reason, count) VALUES (?, ?, ?, 1)"
               " ON CONFLICT (day, metric, reason) DO UPDATE SET count = funnel_daily.count + 1"),
        use(dayValue), use(metricValue), use(reasonValue), now;
}

std::vector<FunnelCount> funnel(Session& s, const SqlDialect& d, const std::string& sinceDay)
{
    std::string since = sinceDay;
    std::vector<std::string> days, metrics, reasons;
    std::vector<Poco::Int64> counts;
    s << d.sql("SELECT day, metric, reason, count FROM funnel_daily WHERE day >= ? ORDER BY day, metric, reason"),
        use(since), into(days), into(metrics), into(reasons), into(counts), now;
    std::vector<FunnelCount> out(days.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = FunnelCount{days[i], metrics[i], reasons[i], counts[i]};
    return out;
}

void recordLoginFailure(Session& s, const SqlDialect& d, const std::string& client, std::int64_t at)
{
    std::string who = client;
    Poco::Int64 when = at;
    s << d.sql("INSERT INTO admin_login_failures (client, at) VALUES (?, ?)"), use(who), use(when), now;
}

std::vector<std::int64_t> loginFailuresSince(Session& s, const SqlDialect& d, const std::string& client,
                                             std::int64_t since)
{
    std::string who = client;
    Poco::Int64 from = since;
    std::vector<Poco::Int64> ats;
    s << d.sql("SELECT at FROM admin_login_failures WHERE client = ? AND at >= ? ORDER BY at"), use(who), use(from),
        into(ats), now;
    return std::vector<std::int64_t>(ats.begin(), ats.end());
}

void clearLoginFailures(Session& s, const SqlDialect& d, const std::string& client)
{
    std::string who = client;
    s << d.sql("DELETE FROM admin_login_failures WHERE client = ?"), use(who), now;
}

void insertOutboxEntry(Session& s, const SqlDialect& d, const OutboxEntry& entry)
{
    const Notification& n = entry.notification;
    std::string id = n.id, type = toString(n.type), account = n.accountId, user = n.userId, ref = n.ref,
                body = entry.body, status = toString(entry.status);
    int livemode = n.livemode ? 1 : 0;
    Poco::Int64 happenedAt = n.time, createdAt = entry.createdAt, nextAttemptAt = entry.nextAttemptAt;
    s << d.sql("INSERT INTO notification_outbox (id, type, account_id, user_id, livemode, ref, happened_at, body,"
               " status, attempts, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"),
        use(id), use(type), use(account), use(user), use(livemode), use(ref), use(happenedAt), use(body),
        use(status), use(createdAt), use(nextAttemptAt), now;
}

std::vector<OutboxEntry> dueOutboxEntries(Session& s, const SqlDialect& d, std::int64_t when, std::size_t limit)
{
    // An entry waits while an older pending one of its account exists
    // (leased or not, due or not): each account's notifications arrive in
    // the order they were created.
    Poco::Int64 at = when;
    Poco::Int64 most = static_cast<Poco::Int64>(limit);
    OutboxRows rows;
    Statement statement(s);
    statement << d.sql(kOutboxColumns +
                       "o WHERE status = 'pending' AND next_attempt_at <= ?"
                       " AND (lease_until IS NULL OR lease_until <= ?)"
                       " AND NOT EXISTS (SELECT 1 FROM notification_outbox e WHERE e.account_id = o.account_id"
                       " AND e.status = 'pending' AND (e.created_at < o.created_at"
                       " OR (e.created_at = o.created_at AND e.seq < o.seq)))"
                       " ORDER BY created_at, seq LIMIT ?"),
        use(at), use(at), use(most);
    rows.bind(statement);
    statement.execute();
    return rows.entries();
}

bool claimOutboxEntry(Session& s, const SqlDialect& d, const std::string& id, std::int64_t when,
                      std::int64_t leaseSeconds)
{
    std::string key = id;
    Poco::Int64 at = when, until = when + leaseSeconds;
    Statement statement(s);
    statement << d.sql("UPDATE notification_outbox SET lease_until = ? WHERE id = ? AND status = 'pending'"
                       " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)"),
        use(until), use(key), use(at), use(at);
    return statement.execute() == 1;
}

void markOutboxDelivered(Session& s, const SqlDialect& d, const std::string& id, std::int64_t deliveredAt)
{
    std::string key = id;
    Poco::Int64 at = deliveredAt;
    s << d.sql("UPDATE notification_outbox SET status = 'delivered', attempts = attempts + 1, lease_until = NULL,"
               " delivered_at = ?, last_error = '' WHERE id = ?"),
        use(at), use(key), now;
}

void markOutboxFailedAttempt(Session& s, const SqlDialect& d, const std::string& id,
                             std::optional<std::int64_t> nextAttemptAt, const std::string& error)
{
    std::string key = id, why = error;
    if (nextAttemptAt) {
        Poco::Int64 next = *nextAttemptAt;
        s << d.sql("UPDATE notification_outbox SET attempts = attempts + 1, lease_until = NULL, last_error = ?,"
                   " next_attempt_at = ? WHERE id = ?"),
            use(why), use(next), use(key), now;
    } else {
        s << d.sql("UPDATE notification_outbox SET attempts = attempts + 1, lease_until = NULL, last_error = ?,"
                   " status = 'failed' WHERE id = ?"),
            use(why), use(key), now;
    }
}

std::vector<OutboxEntry> listOutbox(Session& s, const SqlDialect& d, const OutboxFilter& filter)
{
    std::string status = filter.status ? toString(*filter.status) : "";
    std::string account = filter.accountId;
    Poco::Int64 most = static_cast<Poco::Int64>(filter.limit);
    OutboxRows rows;
    Statement statement(s);
    statement << d.sql(kOutboxColumns +
                       "WHERE (? = '' OR status = ?) AND (? = '' OR account_id = ?)"
                       " ORDER BY created_at DESC, seq DESC LIMIT ?"),
        use(status), use(status), use(account), use(account), use(most);
    rows.bind(statement);
    statement.execute();
    return rows.entries();
}

} // namespace si::merchanttables
