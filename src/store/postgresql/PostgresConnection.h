#pragma once
// The PostgreSQL adapter of the store's port (src/store/SqlConnection.h), on
// Poco Data PostgreSQL: compiled into the module stripe-install-postgresql.so
// only, never into the program.
#include "store/SqlConnection.h"

#include <memory>
#include <string>

namespace si::postgres {

/// Connects with a libpq conninfo (as SqlDialect::connectorString writes
/// it). An unreachable server is found with PQping first (Poco 1.11 leaks
/// libpq's connection object when a connect fails; an outage would leak
/// with every request). Throws SqlError: CantOpen ("could not connect to
/// the PostgreSQL server …") or libpq's refusal, without any password.
std::unique_ptr<SqlConnection> connectWithPoco(const std::string& conninfo);

} // namespace si::postgres
