// The INI loader: loadAppConfig on a file with fuzzed contents, and the two
// secret environment variables. It may only ever throw ConfigError (never
// crash, hang or throw anything else), every problem names the file, and no
// message shows a secret.
// Input: the INI text, optionally followed by NUL + STRIPE_APP_SECRETS and
// NUL + STRIPE_WEBHOOK_SECRETS.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzCheck.h"
#include "config/AppConfig.h"
#include "core/Text.h"

using namespace si;

namespace {

std::string dir;
std::string iniPath;
int iniFd = -1; // open for the whole run: each input is one pwrite (and a truncate)

void cleanUp()
{
    close(iniFd);
    unlink(iniPath.c_str());
    rmdir(dir.c_str());
}

/// The part of `text` between the n-th and (n+1)-th NUL, if there is one.
std::optional<std::string> field(std::string_view text, int n)
{
    std::size_t start = 0;
    for (int i = 0; i < n; ++i) {
        start = text.find('\0', start);
        if (start == std::string_view::npos)
            return std::nullopt;
        ++start;
    }
    return std::string(text.substr(start, text.find('\0', start) - start));
}

/// Secret-looking items (containing "SECRET_", 10 characters or more: not in any message text) that
/// occur exactly once in the whole input: if a message shows one, it came
/// from the secret's own place.
std::vector<std::string> markedSecrets(std::string_view input, const std::vector<std::string>& lists)
{
    std::vector<std::string> out;
    for (const std::string& list : lists) {
        std::size_t start = 0;
        while (start <= list.size()) {
            const std::size_t end = std::min(list.find_first_of(",\n", start), list.size());
            const std::string item(trimWhitespace(std::string_view(list).substr(start, end - start)));
            const std::size_t first = input.find(item);
            if (item.size() >= 10 && item.find("SECRET_") != std::string::npos && first != std::string_view::npos &&
                input.find(item, first + 1) == std::string_view::npos)
                out.push_back(item);
            start = end + 1;
        }
    }
    return out;
}

/// The values of `app_secrets` / `webhook_secrets` lines, roughly as written.
std::vector<std::string> secretLines(std::string_view ini)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < ini.size()) {
        const std::size_t end = std::min(ini.find('\n', start), ini.size());
        const std::string_view line = ini.substr(start, end - start);
        const std::size_t eq = line.find('=');
        if (eq != std::string_view::npos) {
            const std::string_view key = trimWhitespace(line.substr(0, eq));
            if (key == "app_secrets" || key == "webhook_secrets")
                out.emplace_back(line.substr(eq + 1));
        }
        start = end + 1;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string pattern = std::string(base) + "/si-fuzz-config-XXXXXX";
    dir = mkdtemp(pattern.data());
    iniPath = dir + "/stripe-install.ini";
    iniFd = open(iniPath.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    SI_FUZZ_CHECK(iniFd >= 0, iniPath);
    std::atexit(cleanUp);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string_view ini = input.substr(0, input.find('\0'));
    const std::optional<std::string> appSecrets = field(input, 1);
    const std::optional<std::string> webhookSecrets = field(input, 2);

    // The file's contents become exactly `ini`: written over the last input's, then cut to length.
    SI_FUZZ_CHECK(pwrite(iniFd, ini.data(), ini.size(), 0) == static_cast<ssize_t>(ini.size()), iniPath);
    SI_FUZZ_CHECK(ftruncate(iniFd, static_cast<off_t>(ini.size())) == 0, iniPath);

    const EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
        if (name == "STRIPE_APP_SECRETS")
            return appSecrets;
        if (name == "STRIPE_WEBHOOK_SECRETS")
            return webhookSecrets;
        return std::nullopt;
    };

    std::vector<std::string> lists = secretLines(ini);
    for (const auto& fromEnv : {appSecrets, webhookSecrets})
        if (fromEnv)
            lists.push_back(*fromEnv);
    const std::vector<std::string> secrets = markedSecrets(input, lists);

    try {
        const AppConfig config = loadAppConfig(iniPath, env);
        SI_FUZZ_CHECK(!config.appId.empty() && !config.appSecrets.empty() && !config.redirectUri.empty(),
                      logSafe(ini, 500));
        for (const std::string& secret : config.appSecrets)
            SI_FUZZ_CHECK(!secret.empty() && secret.find_first_of(" \t\r\n\"'") == std::string::npos, logSafe(ini, 500));
        for (const std::string& secret : config.webhookSecrets)
            SI_FUZZ_CHECK(!secret.empty() && secret.find_first_of(" \t\r\n\"'") == std::string::npos, logSafe(ini, 500));
        SI_FUZZ_CHECK(config.signatureTolerance >= 0, logSafe(ini, 500));
        SI_FUZZ_CHECK(config.stateTtl >= 30 && config.stateTtl <= 86400, logSafe(ini, 500));
        SI_FUZZ_CHECK(config.dbBusyTimeoutMs >= 0 && config.dbBusyTimeoutMs <= 600000, logSafe(ini, 500));
        SI_FUZZ_CHECK(!config.templatesDir.empty() && config.templatesDir[0] == '/', config.templatesDir);
        SI_FUZZ_CHECK(config.installLinkBase.find_first_of("?#") == std::string::npos, config.installLinkBase);
        SI_FUZZ_CHECK(config.installLinkBase.rfind("https://", 0) == 0 || config.installLinkBase.rfind("http://", 0) == 0,
                      config.installLinkBase);
    } catch (const ConfigError& e) {
        SI_FUZZ_CHECK(!e.problems().empty(), "a ConfigError without problems");
        for (const std::string& problem : e.problems()) {
            SI_FUZZ_CHECK(problem.rfind(iniPath, 0) == 0 || problem.rfind("the environment variable", 0) == 0 ||
                              fuzz::contains(problem, iniPath),
                          logSafe(problem, 500));
            for (const std::string& secret : secrets)
                SI_FUZZ_CHECK(!fuzz::contains(problem, secret), "a message shows a secret: " + logSafe(problem, 500));
        }
    }
    // Anything else escaping is a finding: libFuzzer reports the uncaught exception.
    return 0;
}
