#pragma once
// PostgreSQL support is a module (stripe-install-postgresql.so, built from
// src/store/postgresql/) loaded with dlopen on first use, so that the program
// does not link libpq and its ~20 libraries for the SQLite deployments.
// Looked for in $STRIPE_INSTALL_MODULE_DIR when set, else next to the program
// (the directory of /proc/self/exe), then in its lib/ (the dist layout).
#include <string>
#include <utility>
#include <vector>

namespace Poco {
class Any;
}

namespace si::postgres {

/// The module's file name.
extern const char* const kModuleFile;

/// Loads the module (once) and registers Poco's PostgreSQL connector; returns
/// the connector's key. Throws StoreError naming the file when the module is
/// missing ("PostgreSQL support is not installed").
std::string registerConnector();

/// libpq's parse of a conninfo: the options set, in libpq's order. Throws
/// StoreError when the module is missing; returns false with `error` set
/// when libpq cannot parse it.
bool parseConninfo(const std::string& conninfo, std::vector<std::pair<std::string, std::string>>& options,
                   std::string& error);

/// True when no server answers at the conninfo (PQping: PQPING_NO_RESPONSE).
bool noResponse(const std::string& conninfo);

/// True when a PostgreSQL session's "handle" property names a live connection.
bool sessionAlive(const Poco::Any& handleProperty);

} // namespace si::postgres
