// stripe-install-postgresql.so: everything that needs Poco DataPostgreSQL or
// libpq, loaded by the program (src/store/PostgresModule.cpp) only when
// [database] connector = postgresql, so that an SQLite deployment never loads
// libpq and the ~20 libraries it pulls in (Kerberos, LDAP, SASL, GnuTLS, …).
// The interface is plain C; see src/store/PostgresModule.h for its contract.
#include <Poco/Any.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/SessionHandle.h>

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

char* copyOf(const std::string& text)
{
    char* out = static_cast<char*>(std::malloc(text.size() + 1));
    if (out)
        std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
}

} // namespace

extern "C" {

/// Version of this interface; the program refuses a module of another.
__attribute__((visibility("default"))) int si_pg_abi_version(void)
{
    return 1;
}

/// Registers Poco's PostgreSQL connector (once per process); 0 on success.
__attribute__((visibility("default"))) int si_pg_register(void)
{
    static std::once_flag once;
    try {
        std::call_once(once, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
        return 0;
    } catch (...) {
        return -1;
    }
}

/// Parses a libpq conninfo. On success returns 0 and sets *options to a
/// malloc'd list of the set options: "key\x1fvalue\x1e" records, in libpq's
/// order. On failure returns -1 and sets *error to a malloc'd message (may be
/// NULL when out of memory). Free both with si_pg_free.
__attribute__((visibility("default"))) int si_pg_conninfo_parse(const char* conninfo, char** options, char** error)
{
    *options = nullptr;
    *error = nullptr;
    char* why = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo, &why);
    if (!parsed) {
        *error = why ? copyOf(why) : nullptr;
        PQfreemem(why);
        return -1;
    }
    std::string out;
    for (PQconninfoOption* option = parsed; option->keyword; ++option) {
        if (!option->val || !*option->val)
            continue;
        out += option->keyword;
        out += '\x1f';
        out += option->val;
        out += '\x1e';
    }
    PQconninfoFree(parsed);
    *options = copyOf(out);
    return *options ? 0 : -1;
}

/// Frees what si_pg_conninfo_parse returned.
__attribute__((visibility("default"))) void si_pg_free(char* text)
{
    std::free(text);
}

/// 1 when no server answers at the conninfo (PQPING_NO_RESPONSE), else 0.
__attribute__((visibility("default"))) int si_pg_ping(const char* conninfo)
{
    return PQping(conninfo) == PQPING_NO_RESPONSE ? 1 : 0;
}

/// 1 when `handleProperty` (a const Poco::Any*: a PostgreSQL session's
/// "handle" property) names a connection that is still up, else 0.
__attribute__((visibility("default"))) int si_pg_session_alive(const void* handleProperty)
{
    try {
        const auto& any = *static_cast<const Poco::Any*>(handleProperty);
        auto* handle = Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(any);
        return handle && PQstatus(*handle) == CONNECTION_OK ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

} // extern "C"
