#pragma once
// The SQL of the merchant's-side tables (issue 10): the notification outbox,
// install history, the daily funnel and admin login failures. Free
// functions over a session, so SqlStore runs them inside its own
// transactions (an install change and its outbox row commit together).
#include <cstdint>
#include <string>
#include <vector>

#include "core/Outbox.h"
#include "core/Stores.h"

namespace Poco::Data {
class Session;
}

namespace si {

class SqlDialect;

/// Every function throws Poco::Data exceptions on database faults (the
/// store translates them); none starts or ends a transaction.
namespace merchanttables {

void appendInstallEvent(Poco::Data::Session& s, const SqlDialect& d, const InstallEvent& event);
std::vector<InstallEvent> installHistory(Poco::Data::Session& s, const SqlDialect& d, const std::string& accountId);

/// Adds one to (day, metric, reason), creating the row at 1.
void countFunnel(Poco::Data::Session& s, const SqlDialect& d, const std::string& day, const std::string& metric,
                 const std::string& reason);
/// Every row from `sinceDay` on, by day, metric, reason.
std::vector<FunnelCount> funnel(Poco::Data::Session& s, const SqlDialect& d, const std::string& sinceDay);

void recordLoginFailure(Poco::Data::Session& s, const SqlDialect& d, const std::string& client, std::int64_t at);
/// Oldest first.
std::vector<std::int64_t> loginFailuresSince(Poco::Data::Session& s, const SqlDialect& d, const std::string& client,
                                             std::int64_t since);
void clearLoginFailures(Poco::Data::Session& s, const SqlDialect& d, const std::string& client);

void insertOutboxEntry(Poco::Data::Session& s, const SqlDialect& d, const OutboxEntry& entry);
std::vector<OutboxEntry> dueOutboxEntries(Poco::Data::Session& s, const SqlDialect& d, std::int64_t when,
                                          std::size_t limit);
/// True when this call took the lease (one row changed).
bool claimOutboxEntry(Poco::Data::Session& s, const SqlDialect& d, const std::string& id, std::int64_t when,
                      std::int64_t leaseSeconds);
void markOutboxDelivered(Poco::Data::Session& s, const SqlDialect& d, const std::string& id, std::int64_t deliveredAt);
void markOutboxFailedAttempt(Poco::Data::Session& s, const SqlDialect& d, const std::string& id,
                             std::optional<std::int64_t> nextAttemptAt, const std::string& error);
std::vector<OutboxEntry> listOutbox(Poco::Data::Session& s, const SqlDialect& d, const OutboxFilter& filter);

} // namespace merchanttables
} // namespace si
