#pragma once
// STRIPE_INSTALL_MODULE_DIR (where the program looks for its modules) set for
// one test case, and put back as it was afterwards.
#include <stdlib.h>

#include <optional>
#include <string>

namespace si::testing {

class ScopedModuleDir {
public:
    explicit ScopedModuleDir(const std::string& dir)
    {
        if (const char* old = ::getenv("STRIPE_INSTALL_MODULE_DIR"))
            _old = old;
        set(dir);
    }
    ~ScopedModuleDir()
    {
        if (_old)
            ::setenv("STRIPE_INSTALL_MODULE_DIR", _old->c_str(), 1);
        else
            ::unsetenv("STRIPE_INSTALL_MODULE_DIR");
    }
    ScopedModuleDir(const ScopedModuleDir&) = delete;
    ScopedModuleDir& operator=(const ScopedModuleDir&) = delete;

    /// Points it elsewhere; the destructor still restores the original.
    void set(const std::string& dir) { ::setenv("STRIPE_INSTALL_MODULE_DIR", dir.c_str(), 1); }

private:
    std::optional<std::string> _old;
};

} // namespace si::testing
