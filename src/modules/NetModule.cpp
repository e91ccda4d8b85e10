#include "modules/NetModule.h"

#include <mutex>

#include "modules/ModuleLoader.h"

namespace si::net {

const NetModule& module()
{
    static std::mutex mutex;
    static const NetModule* loaded = nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    if (!loaded) {
        const ModuleSpec spec{kNetModuleFile, "Network support",
                              "it is needed for calls to Stripe's API, [notify] url and the serve command: install "
                              "it next to the program or in its lib/",
                              "si_net_abi_version", kNetModuleAbiVersion};
        const LoadedModule found = LoadedModule::load(spec);
        loaded = found.function<const NetModule* (*)(void)>("si_net_module")();
    }
    return *loaded;
}

} // namespace si::net
