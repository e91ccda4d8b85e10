// stripe-install-postgresql.so: everything that needs Poco DataPostgreSQL or
// libpq, loaded by the program (src/store/PostgresModule.cpp) only when
// [database] connector = postgresql, so that an SQLite deployment never loads
// libpq and the ~20 libraries it pulls in (Kerberos, LDAP, SASL, GnuTLS, …).
// The interface is plain C functions; si_pg_connect hands over a C++ object
// implementing the store's port (src/store/SqlConnection.h, header only).
// See src/store/PostgresModule.h for the contract.
#include "store/postgresql/PostgresConnection.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
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
/// 2: si_pg_connect returns a connection of the store's port.
__attribute__((visibility("default"))) int si_pg_abi_version(void)
{
    return 2;
}

/// Connects to the conninfo. On success returns 0 and sets *connection to a
/// new si::SqlConnection (the caller deletes it). On failure returns -1, sets
/// *fault to an si::SqlFault and *error to a malloc'd message (NULL when out
/// of memory; free it with si_pg_free).
__attribute__((visibility("default"))) int si_pg_connect(const char* conninfo, si::SqlConnection** connection,
                                                         int* fault, char** error)
{
    *connection = nullptr;
    *error = nullptr;
    try {
        *connection = si::postgres::connectWithPoco(conninfo).release();
        return 0;
    } catch (const si::SqlError& failure) {
        *fault = static_cast<int>(failure.fault());
        *error = copyOf(failure.what());
    } catch (const std::exception& failure) {
        *fault = static_cast<int>(si::SqlFault::Other);
        *error = copyOf(failure.what());
    }
    return -1;
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

/// Frees what si_pg_conninfo_parse and si_pg_connect returned.
__attribute__((visibility("default"))) void si_pg_free(char* text)
{
    std::free(text);
}

} // extern "C"
