#pragma once
// The SQL of the merchant's-side tables (issue 10): the notification outbox,
// install history, the daily funnel and admin login failures. Free
// functions over a connection, so SqlStore runs them inside its own
// transactions (an install change and its outbox row commit together).
#include <cstdint>
#include <string>
#include <vector>

#include "core/Outbox.h"
#include "core/Stores.h"

namespace si {

class SqlConnection;
class SqlDialect;

/// Every function throws SqlError on database faults (the store translates
/// them); none starts or ends a transaction.
namespace merchanttables {

void appendInstallEvent(SqlConnection& c, const SqlDialect& d, const InstallEvent& event);
std::vector<InstallEvent> installHistory(SqlConnection& c, const SqlDialect& d, const std::string& accountId);

/// Adds one to (day, metric, reason), creating the row at 1.
void countFunnel(SqlConnection& c, const SqlDialect& d, const std::string& day, const std::string& metric,
                 const std::string& reason);
/// Every row from `sinceDay` on, by day, metric, reason.
std::vector<FunnelCount> funnel(SqlConnection& c, const SqlDialect& d, const std::string& sinceDay);

void recordLoginFailure(SqlConnection& c, const SqlDialect& d, const std::string& client, std::int64_t at);
/// Oldest first.
std::vector<std::int64_t> loginFailuresSince(SqlConnection& c, const SqlDialect& d, const std::string& client,
                                             std::int64_t since);
void clearLoginFailures(SqlConnection& c, const SqlDialect& d, const std::string& client);

void insertOutboxEntry(SqlConnection& c, const SqlDialect& d, const OutboxEntry& entry);
std::vector<OutboxEntry> dueOutboxEntries(SqlConnection& c, const SqlDialect& d, std::int64_t when,
                                          std::size_t limit);
/// True when this call took the lease (one row changed).
bool claimOutboxEntry(SqlConnection& c, const SqlDialect& d, const std::string& id, std::int64_t when,
                      std::int64_t leaseSeconds);
void markOutboxDelivered(SqlConnection& c, const SqlDialect& d, const std::string& id, std::int64_t deliveredAt);
void markOutboxFailedAttempt(SqlConnection& c, const SqlDialect& d, const std::string& id,
                             std::optional<std::int64_t> nextAttemptAt, const std::string& error);
std::vector<OutboxEntry> listOutbox(SqlConnection& c, const SqlDialect& d, const OutboxFilter& filter);

} // namespace merchanttables
} // namespace si
