#include "store/PostgresModule.h"

#include "core/StoreError.h"
#include "store/SqlConnection.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>

namespace si::postgres {

const char* const kModuleFile = "stripe-install-postgresql.so";

namespace {

struct Module {
    int (*abiVersion)(void) = nullptr;
    int (*connect)(const char*, SqlConnection**, int*, char**) = nullptr;
    int (*conninfoParse)(const char*, char**, char**) = nullptr;
    void (*free)(char*) = nullptr;
};

std::string programDir()
{
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return ".";
    std::string exe(path, static_cast<std::size_t>(n));
    const std::size_t slash = exe.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : exe.substr(0, slash);
}

template <class Fn>
void bind(void* handle, const std::string& file, const char* name, Fn& fn)
{
    fn = reinterpret_cast<Fn>(::dlsym(handle, name));
    if (!fn)
        throw StoreError("PostgreSQL support is not installed properly: " + file + " has no " + name +
                         " (a module from another version of stripe-install?)");
}

Module load()
{
    std::vector<std::string> candidates;
    if (const char* dir = std::getenv("STRIPE_INSTALL_MODULE_DIR"); dir && *dir) {
        candidates.push_back(std::string(dir) + "/" + kModuleFile);
    } else {
        const std::string program = programDir();
        candidates.push_back(program + "/" + kModuleFile);
        candidates.push_back(program + "/lib/" + kModuleFile);
    }
    void* handle = nullptr;
    std::string file, why;
    for (const std::string& candidate : candidates) {
        if (::access(candidate.c_str(), F_OK) != 0)
            continue;
        file = candidate;
        handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* error = ::dlerror();
            why = error ? error : "dlopen failed";
        }
        break;
    }
    if (file.empty()) {
        std::string tried;
        for (const std::string& candidate : candidates)
            tried += (tried.empty() ? "" : " or ") + candidate;
        throw StoreError(std::string("PostgreSQL support is not installed: ") + kModuleFile + " was not found (" +
                         tried + "); install it next to the program, or use [database] connector = sqlite");
    }
    if (!handle)
        throw StoreError("PostgreSQL support is not installed properly: " + file + " cannot be loaded (" + why + ")");
    Module module;
    bind(handle, file, "si_pg_abi_version", module.abiVersion);
    if (module.abiVersion() != 2)
        throw StoreError("PostgreSQL support is not installed properly: " + file +
                         " is from another version of stripe-install");
    bind(handle, file, "si_pg_connect", module.connect);
    bind(handle, file, "si_pg_conninfo_parse", module.conninfoParse);
    bind(handle, file, "si_pg_free", module.free);
    return module; // never unloaded: its connections' code, and Poco's connector registered in it
}

/// The module, loaded on first use; a failed load is tried again next time.
const Module& module()
{
    static std::mutex mutex;
    static Module loaded;
    std::lock_guard<std::mutex> lock(mutex);
    if (!loaded.abiVersion)
        loaded = load();
    return loaded;
}

} // namespace

std::unique_ptr<SqlConnection> connect(const std::string& conninfo)
{
    const Module& m = module();
    SqlConnection* connection = nullptr;
    int fault = static_cast<int>(SqlFault::Other);
    char* why = nullptr;
    if (m.connect(conninfo.c_str(), &connection, &fault, &why) != 0) {
        const std::string message = why ? why : "out of memory";
        m.free(why);
        throw SqlError(static_cast<SqlFault>(fault), message);
    }
    return std::unique_ptr<SqlConnection>(connection);
}

bool parseConninfo(const std::string& conninfo, std::vector<std::pair<std::string, std::string>>& options,
                   std::string& error)
{
    const Module& m = module();
    char* list = nullptr;
    char* why = nullptr;
    options.clear();
    if (m.conninfoParse(conninfo.c_str(), &list, &why) != 0) {
        error = why ? why : "out of memory";
        m.free(why);
        m.free(list);
        return false;
    }
    const std::string text = list;
    m.free(list);
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t unit = text.find('\x1f', at);
        const std::size_t record = text.find('\x1e', unit);
        if (unit == std::string::npos || record == std::string::npos)
            break;
        options.emplace_back(text.substr(at, unit - at), text.substr(unit + 1, record - unit - 1));
        at = record + 1;
    }
    return true;
}

} // namespace si::postgres
