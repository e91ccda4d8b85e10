#include "store/MerchantTables.h"

#include "store/SqlConnection.h"
#include "store/SqlDialect.h"

namespace si::merchanttables {
namespace {

const std::string kOutboxColumns =
    "SELECT id, type, account_id, user_id, livemode, ref, happened_at, body, status, attempts, created_at,"
    " next_attempt_at, lease_until, delivered_at, last_error FROM notification_outbox ";

/// Every row of a statement selecting kOutboxColumns, in order.
std::vector<OutboxEntry> outboxEntries(SqlStatement& row)
{
    std::vector<OutboxEntry> out;
    while (row.step()) {
        OutboxEntry& e = out.emplace_back();
        Notification& n = e.notification;
        n.id = row.text(0);
        // A type this program does not know (written by a newer one) is
        // shown as an update: its body is sent as stored anyway.
        n.type = parseNotificationType(row.text(1)).value_or(NotificationType::InstallUpdated);
        n.accountId = row.text(2);
        n.userId = row.text(3);
        n.livemode = row.int64(4) != 0;
        n.ref = row.text(5);
        n.time = row.int64(6);
        e.body = row.text(7);
        e.status = parseOutboxStatus(row.text(8)).value_or(OutboxStatus::Pending);
        e.attempts = static_cast<int>(row.int64(9));
        e.createdAt = row.int64(10);
        e.nextAttemptAt = row.int64(11);
        e.leaseUntil = optionalInt64(row, 12);
        e.deliveredAt = optionalInt64(row, 13);
        e.lastError = row.text(14);
    }
    return out;
}

} // namespace

void appendInstallEvent(SqlConnection& c, const SqlDialect& d, const InstallEvent& event)
{
    execute(c, d.sql("INSERT INTO install_events (account_id, livemode, change, changed_by, at) VALUES (?, ?, ?, ?, ?)"),
            event.accountId, event.livemode, event.change, event.by, event.at);
}

std::vector<InstallEvent> installHistory(SqlConnection& c, const SqlDialect& d, const std::string& accountId)
{
    SqlStatement& row = query(c,
                              d.sql("SELECT account_id, livemode, change, changed_by, at FROM install_events"
                                    " WHERE account_id = ? ORDER BY at, seq"),
                              accountId);
    std::vector<InstallEvent> events;
    while (row.step())
        events.push_back(InstallEvent{row.text(0), row.int64(1) != 0, row.text(2), row.text(3), row.int64(4)});
    return events;
}

void countFunnel(SqlConnection& c, const SqlDialect& d, const std::string& day, const std::string& metric,
                 const std::string& reason)
{
    execute(c,
            d.sql("INSERT INTO funnel_daily (day, metric, reason, count) VALUES (?, ?, ?, 1)"
                  " ON CONFLICT (day, metric, reason) DO UPDATE SET count = funnel_daily.count + 1"),
            day, metric, reason);
}

std::vector<FunnelCount> funnel(SqlConnection& c, const SqlDialect& d, const std::string& sinceDay)
{
    SqlStatement& row = query(
        c, d.sql("SELECT day, metric, reason, count FROM funnel_daily WHERE day >= ? ORDER BY day, metric, reason"),
        sinceDay);
    std::vector<FunnelCount> out;
    while (row.step())
        out.push_back(FunnelCount{row.text(0), row.text(1), row.text(2), row.int64(3)});
    return out;
}

void recordLoginFailure(SqlConnection& c, const SqlDialect& d, const std::string& client, std::int64_t at)
{
    execute(c, d.sql("INSERT INTO admin_login_failures (client, at) VALUES (?, ?)"), client, at);
}

std::vector<std::int64_t> loginFailuresSince(SqlConnection& c, const SqlDialect& d, const std::string& client,
                                             std::int64_t since)
{
    SqlStatement& row =
        query(c, d.sql("SELECT at FROM admin_login_failures WHERE client = ? AND at >= ? ORDER BY at"), client, since);
    std::vector<std::int64_t> ats;
    while (row.step())
        ats.push_back(row.int64(0));
    return ats;
}

void clearLoginFailures(SqlConnection& c, const SqlDialect& d, const std::string& client)
{
    execute(c, d.sql("DELETE FROM admin_login_failures WHERE client = ?"), client);
}

void insertOutboxEntry(SqlConnection& c, const SqlDialect& d, const OutboxEntry& entry)
{
    const Notification& n = entry.notification;
    execute(c,
            d.sql("INSERT INTO notification_outbox (id, type, account_id, user_id, livemode, ref, happened_at, body,"
                  " status, attempts, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"),
            n.id, toString(n.type), n.accountId, n.userId, n.livemode, n.ref, n.time, entry.body,
            toString(entry.status), entry.createdAt, entry.nextAttemptAt);
}

std::vector<OutboxEntry> dueOutboxEntries(SqlConnection& c, const SqlDialect& d, std::int64_t when, std::size_t limit)
{
    // An entry waits while an older pending one of its account exists
    // (leased or not, due or not): each account's notifications arrive in
    // the order they were created.
    return outboxEntries(query(c,
                               d.sql(kOutboxColumns +
                                     "o WHERE status = 'pending' AND next_attempt_at <= ?"
                                     " AND (lease_until IS NULL OR lease_until <= ?)"
                                     " AND NOT EXISTS (SELECT 1 FROM notification_outbox e"
                                     " WHERE e.account_id = o.account_id"
                                     " AND e.status = 'pending' AND (e.created_at < o.created_at"
                                     " OR (e.created_at = o.created_at AND e.seq < o.seq)))"
                                     " ORDER BY created_at, seq LIMIT ?"),
                               when, when, static_cast<std::int64_t>(limit)));
}

bool claimOutboxEntry(SqlConnection& c, const SqlDialect& d, const std::string& id, std::int64_t when,
                      std::int64_t leaseSeconds)
{
    return execute(c,
                   d.sql("UPDATE notification_outbox SET lease_until = ? WHERE id = ? AND status = 'pending'"
                         " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)"),
                   when + leaseSeconds, id, when, when) == 1;
}

void markOutboxDelivered(SqlConnection& c, const SqlDialect& d, const std::string& id, std::int64_t deliveredAt)
{
    execute(c,
            d.sql("UPDATE notification_outbox SET status = 'delivered', attempts = attempts + 1, lease_until = NULL,"
                  " delivered_at = ?, last_error = '' WHERE id = ?"),
            deliveredAt, id);
}

void markOutboxFailedAttempt(SqlConnection& c, const SqlDialect& d, const std::string& id,
                             std::optional<std::int64_t> nextAttemptAt, const std::string& error)
{
    if (nextAttemptAt)
        execute(c,
                d.sql("UPDATE notification_outbox SET attempts = attempts + 1, lease_until = NULL, last_error = ?,"
                      " next_attempt_at = ? WHERE id = ?"),
                error, *nextAttemptAt, id);
    else
        execute(c,
                d.sql("UPDATE notification_outbox SET attempts = attempts + 1, lease_until = NULL, last_error = ?,"
                      " status = 'failed' WHERE id = ?"),
                error, id);
}

std::vector<OutboxEntry> listOutbox(SqlConnection& c, const SqlDialect& d, const OutboxFilter& filter)
{
    const std::string status = filter.status ? toString(*filter.status) : "";
    return outboxEntries(query(c,
                               d.sql(kOutboxColumns +
                                     "WHERE (? = '' OR status = ?) AND (? = '' OR account_id = ?)"
                                     " ORDER BY created_at DESC, seq DESC LIMIT ?"),
                               status, status, filter.accountId, filter.accountId,
                               static_cast<std::int64_t>(filter.limit)));
}

} // namespace si::merchanttables
