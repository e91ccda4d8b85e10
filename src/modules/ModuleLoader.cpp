#include "modules/ModuleLoader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace si {
namespace {

std::string programDir()
{
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return ".";
    const std::string exe(path, static_cast<std::size_t>(n));
    const std::size_t slash = exe.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : exe.substr(0, slash);
}

} // namespace

std::vector<std::string> moduleCandidates(const std::string& file)
{
    if (const char* dir = std::getenv("STRIPE_INSTALL_MODULE_DIR"); dir && *dir)
        return {std::string(dir) + "/" + file};
    const std::string program = programDir();
    return {program + "/" + file, program + "/lib/" + file};
}

LoadedModule LoadedModule::load(const ModuleSpec& spec)
{
    const std::vector<std::string> candidates = moduleCandidates(spec.file);
    std::string path;
    for (const std::string& candidate : candidates)
        if (::access(candidate.c_str(), F_OK) == 0) {
            path = candidate;
            break;
        }
    if (path.empty()) {
        std::string tried;
        for (const std::string& candidate : candidates)
            tried += (tried.empty() ? "" : " or ") + candidate;
        throw ModuleError(spec.feature + " is not installed: " + spec.file + " was not found (" + tried + "); " +
                          spec.hint);
    }
    // RTLD_LOCAL: the module's own copies of the program's pure code stay its own.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* error = ::dlerror();
        throw ModuleError(spec.feature + " is not installed properly: " + path + " cannot be loaded (" +
                          (error ? error : "dlopen failed") + ")");
    }
    const LoadedModule module(handle, path, spec.feature);
    const auto version = module.function<int (*)(void)>(spec.abiSymbol.c_str());
    if (version() != spec.abiVersion)
        throw ModuleError(spec.feature + " is not installed properly: " + path +
                          " is from another version of stripe-install");
    return module; // never unloaded: what it registered or started stays valid
}

void* LoadedModule::symbol(const char* name) const
{
    ::dlerror();
    void* address = ::dlsym(_handle, name);
    if (!address)
        throw ModuleError(_feature + " is not installed properly: " + _path + " has no " + name +
                          " (a module from another version of stripe-install?)");
    return address;
}

} // namespace si
