#pragma once
// PostgreSQL support is a module (stripe-install-postgresql.so, built from
// src/store/postgresql/) loaded with dlopen on first use, so that the program
// does not link libpq and its ~20 libraries for the SQLite deployments.
// Looked for in $STRIPE_INSTALL_MODULE_DIR when set, else next to the program
// (the directory of /proc/self/exe), then in its lib/ (the dist layout).
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace si {
class SqlConnection;
}

namespace si::postgres {

/// The module's file name.
extern const char* const kModuleFile;

/// Loads the module (once) and connects with a libpq conninfo (as
/// SqlDialect::connectorString writes it): the store's port on Poco Data
/// PostgreSQL (src/store/postgresql/PostgresConnection.h). Throws StoreError
/// naming the file when the module is missing ("PostgreSQL support is not
/// installed"), and SqlError when the server cannot be reached or refuses.
std::unique_ptr<SqlConnection> connect(const std::string& conninfo);

/// libpq's parse of a conninfo: the options set, in libpq's order. Throws
/// StoreError when the module is missing; returns false with `error` set
/// when libpq cannot parse it.
bool parseConninfo(const std::string& conninfo, std::vector<std::pair<std::string, std::string>>& options,
                   std::string& error);

} // namespace si::postgres
