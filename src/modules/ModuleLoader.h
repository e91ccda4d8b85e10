#pragma once
// Optional parts of the program live in modules (shared objects) loaded with
// dlopen on first use, so that a plain-CGI request, which starts the program
// afresh each time, loads only the libraries it needs. This is the generic
// part: where a module is looked for, loading it, its interface version and
// its symbols, each failure a message that names the file (and symbol).
//
// A module is looked for in $STRIPE_INSTALL_MODULE_DIR when that is set,
// else next to the program (the directory of /proc/self/exe), then in its
// lib/ (the dist layout). A loaded module is never unloaded.
#include <stdexcept>
#include <string>
#include <vector>

namespace si {

/// A module that is missing, cannot be loaded, or is from another build.
class ModuleError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// What a module is and how to check it.
struct ModuleSpec {
    std::string file;      ///< its file name, e.g. "stripe-install-net.so"
    std::string feature;   ///< what it provides, to start a message: "Network support"
    std::string hint;      ///< what to do when it is missing, e.g. "install it next to the program"
    std::string abiSymbol; ///< an `int f(void)` the module exports, returning its interface version
    int abiVersion = 0;    ///< the version this program expects
};

/// The files `file` is looked for at, in order.
std::vector<std::string> moduleCandidates(const std::string& file);

class LoadedModule {
public:
    /// Finds, loads and checks the module. Throws ModuleError:
    /// "<feature> is not installed: <file> was not found (<where>); <hint>",
    /// or "<feature> is not installed properly: <path> …" when it cannot be
    /// loaded, lacks the version symbol or has another version.
    static LoadedModule load(const ModuleSpec& spec);

    /// The address of `name`. Throws ModuleError naming the file and the
    /// symbol when the module does not export it.
    void* symbol(const char* name) const;

    /// symbol() as a function pointer of type Fn.
    template <class Fn>
    Fn function(const char* name) const
    {
        return reinterpret_cast<Fn>(symbol(name));
    }

    /// The file that was loaded.
    const std::string& path() const { return _path; }

private:
    LoadedModule(void* handle, std::string path, std::string feature)
        : _handle(handle), _path(std::move(path)), _feature(std::move(feature))
    {
    }

    void* _handle;
    std::string _path;
    std::string _feature;
};

} // namespace si
