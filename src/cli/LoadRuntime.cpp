#include "cli/LoadRuntime.h"

#include <unistd.h>

#include <iostream>

namespace si::cli {

std::string programPath()
{
    char buffer[4096];
    const ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string("stripe-install");
}

std::unique_ptr<Runtime> loadRuntimeOrExplain(const std::optional<std::string>& configPath,
                                              const std::string& command, TemplateCompile templates)
{
    try {
        const std::string path = resolveConfigPath(configPath, processEnvironment(), programPath());
        return Runtime::load(path, templates);
    } catch (const ConfigError& e) {
        for (const std::string& problem : e.problems())
            std::cerr << command << ": configuration: " << problem << "\n";
    } catch (const TemplateError& e) {
        std::cerr << command << ": templates: " << e.what() << "\n";
    }
    return nullptr;
}

std::optional<AppConfig> loadConfigOrExplain(const std::optional<std::string>& configPath,
                                             const std::string& command)
{
    try {
        const std::string path = resolveConfigPath(configPath, processEnvironment(), programPath());
        return loadAppConfig(path, processEnvironment());
    } catch (const ConfigError& e) {
        for (const std::string& problem : e.problems())
            std::cerr << command << ": configuration: " << problem << "\n";
    }
    return std::nullopt;
}

} // namespace si::cli
