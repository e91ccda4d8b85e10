// `stripe-install check`: every problem with a deployment, reported at once.
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "cli/LoadRuntime.h"
#include "core/StoreError.h"
#include "core/Text.h"
#include "store/OpenStore.h"
#include "store/SqlDialect.h"
#include "web/TemplateRenderer.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install check [--config FILE] [--manifest stripe-app.json]

Loads the configuration and reports every problem at once: missing or
malformed settings, missing secrets, templates that do not load or render,
a database that cannot be opened or written, and, given the app's manifest,
whether redirect_uri is in allowed_redirect_uris, whether it is HTTPS
(required for live mode, except on a loopback address) and whether the app
id matches. Exit 0 only when everything is fine.
)";

class Report {
public:
    void ok(const std::string& what) { std::cout << "ok       " << what << "\n"; }
    void problem(const std::string& what)
    {
        std::cout << "PROBLEM  " << what << "\n";
        ++_problems;
    }
    int problems() const { return _problems; }

private:
    int _problems = 0;
};

TemplateValues sampleValues(const std::string& page)
{
    TemplateValues values;
    values.set("title", "Sample " + page).set("app_name", "Sample App").set("assets_url", "/assets");
    values.set("install_url", "https://marketplace.stripe.com/apps/install/link/com.example?state=x")
        .add("permissions", TemplateValues().set("text", "Read invoices"));
    values.set("account_id", "acct_Sample").set("test_mode", true);
    values.set("heading", "Sample heading").set("message", "Sample message").set("reason_code", "sample")
        .set("retry_url", "/").set("cancelled", false).set("status", "404");
    values.set("app_id", "com.example").set("redirect_uri", "https://example.com/cb").set("state", "s")
        .set("action_url", "/_dev/marketplace/decide").set("csrf", "")
        .add("accounts", TemplateValues().set("account_id", "acct_1").set("name", "Demo").set("checked", true));
    return values;
}

void checkTemplates(const AppConfig& config, Report& report)
{
    try {
        const TemplateRenderer renderer = TemplateRenderer::load(config.templatesDir);
        for (const std::string& page : TemplateRenderer::pageNames())
            renderer.render(page, sampleValues(page));
        report.ok("templates load and render: " + config.templatesDir);
    } catch (const TemplateError& e) {
        report.problem(std::string("templates: ") + e.what());
    }
}

void checkDatabase(const AppConfig& config, Report& report)
{
    const std::string file = redactConnectionString(config.dbConnection);
    if (asciiLower(config.dbConnector) == "sqlite") {
        const auto slash = file.rfind('/');
        const std::string folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : file.substr(0, slash));
        if (access(folder.c_str(), W_OK) != 0)
            report.problem("database folder not writable (SQLite needs to create journal files beside the file): " +
                           folder);
    }
    try {
        auto store = openStore(config);
        store->ping();
        // A write that changes nothing proves the file takes writes.
        store->purgeExpiredStates(0);
        report.ok("database opens, migrates and takes writes: " + file);
    } catch (const StoreError& e) {
        report.problem(std::string("database: ") + e.what());
    }
}

std::string hostOf(const std::string& url)
{
    const auto start = url.find("://");
    if (start == std::string::npos)
        return "";
    std::string rest = url.substr(start + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (!rest.empty() && rest.front() == '[')
        return rest.substr(0, rest.find(']') + 1);
    return rest.substr(0, rest.find(':'));
}

void checkManifest(const AppConfig& config, const std::string& path, Report& report)
{
    std::ifstream in(path);
    if (!in) {
        report.problem("manifest: cannot read " + path);
        return;
    }
    std::ostringstream text;
    text << in.rdbuf();
    Poco::JSON::Object::Ptr manifest;
    try {
        Poco::JSON::Parser parser;
        manifest = parser.parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception& e) {
        report.problem("manifest: " + path + " is not a JSON object");
        return;
    }
    const std::string id = manifest->optValue<std::string>("id", "");
    if (id == config.appId)
        report.ok("app_id matches the manifest's id: " + id);
    else
        report.problem("app_id is \"" + config.appId + "\" but the manifest's id is \"" + id + "\"");

    bool listed = false;
    if (auto uris = manifest->getArray("allowed_redirect_uris"))
        for (std::size_t i = 0; i < uris->size(); ++i)
            listed = listed || uris->getElement<std::string>(static_cast<unsigned>(i)) == config.redirectUri;
    if (listed)
        report.ok("redirect_uri is in the manifest's allowed_redirect_uris");
    else
        report.problem("redirect_uri " + config.redirectUri +
                       " is not in the manifest's allowed_redirect_uris: Stripe will refuse the install link "
                       "(add it and upload a new app version)");
}

void checkRedirectScheme(const AppConfig& config, Report& report)
{
    const bool https = config.redirectUri.rfind("https://", 0) == 0;
    if (https || config.livemode == LivemodePolicy::Test) {
        report.ok(https ? "redirect_uri uses HTTPS" : "redirect_uri is plain HTTP, accepted for test mode only");
        return;
    }
    if (isLoopbackHost(hostOf(config.redirectUri)))
        report.ok("redirect_uri is plain HTTP on a loopback address (fine for local trials only)");
    else
        report.problem("redirect_uri must use HTTPS: Stripe requires it for live mode (or set [site] livemode = test)");
}

int checkCommand(const std::vector<std::string>& words)
{
    std::optional<std::string> configPath, manifestPath;
    try {
        Arguments args(words);
        while (!args.done()) {
            if (args.flag("--help") || args.flag("-h")) {
                std::cout << kHelp;
                return 0;
            }
            if (auto value = args.option("--config"))
                configPath = *value;
            else if (auto value = args.option("--manifest"))
                manifestPath = *value;
            else
                throw UsageError("unknown argument " + args.peek());
        }
    } catch (const UsageError& e) {
        std::cerr << "check: " << e.what() << "\n(see stripe-install check --help)\n";
        return 2;
    }

    Report report;
    std::optional<AppConfig> config;
    try {
        const std::string path = resolveConfigPath(configPath, processEnvironment(), programPath());
        config = loadAppConfig(path, processEnvironment());
        report.ok("configuration loads: " + path);
    } catch (const ConfigError& e) {
        for (const std::string& problem : e.problems())
            report.problem("configuration: " + problem);
    }
    if (config) {
        report.ok(std::to_string(config->appSecrets.size()) + " app signing secret(s) configured");
        if (config->webhookSecrets.empty())
            report.problem("no webhook secret ([stripe] webhook_secrets or STRIPE_WEBHOOK_SECRETS): "
                           "POST /webhook will refuse every delivery, so revocations are missed");
        else
            report.ok(std::to_string(config->webhookSecrets.size()) + " webhook signing secret(s) configured");
        checkRedirectScheme(*config, report);
        checkTemplates(*config, report);
        checkDatabase(*config, report);
        if (manifestPath)
            checkManifest(*config, *manifestPath, report);
    }
    std::cout << (report.problems() == 0 ? "everything is fine\n"
                                         : std::to_string(report.problems()) + " problem(s) found\n");
    return report.problems() == 0 ? 0 : 1;
}

const CommandRegistration registration{"check", "report every problem with the configuration and deployment",
                                       &checkCommand};

} // namespace
} // namespace si::cli
