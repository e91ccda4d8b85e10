#include <boost/test/unit_test.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/AppConfig.h"

namespace {

namespace fs = std::filesystem;

/// A fresh folder under the system temp dir, removed afterwards.
struct TempDir {
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "si-config-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string write(const std::string& name, const std::string& text) const
    {
        const fs::path file = path / name;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file.string();
    }
    fs::path path;
};

using Env = std::map<std::string, std::string>;

si::EnvLookup envOf(Env vars = {})
{
    return [vars](const std::string& name) -> std::optional<std::string> {
        const auto found = vars.find(name);
        if (found == vars.end())
            return std::nullopt;
        return found->second;
    };
}

/// section → key → value; rendered in a fixed order.
using Ini = std::map<std::string, std::map<std::string, std::string>>;

Ini goodIni()
{
    return {
        {"stripe", {{"app_id", "com.example.shipping"}, {"app_secrets", "absec_current_1, absec_previous_2"}}},
        {"site", {{"redirect_uri", "https://shop.example.com/stripe/callback"}}},
        {"database", {{"connection", "installs.db"}}},
    };
}

std::string render(const Ini& ini)
{
    std::string text = "; written by AppConfigTest\n";
    for (const auto& [section, keys] : ini) {
        text += "[" + section + "]\n";
        for (const auto& [key, value] : keys)
            text += key + " = " + value + "\n";
    }
    return text;
}

/// The problems loading `text` gives (none when it loads).
std::vector<std::string> problemsOf(const std::string& text, const Env& env = {})
{
    TempDir dir;
    try {
        si::loadAppConfig(dir.write("stripe-install.ini", text), envOf(env));
    } catch (const si::ConfigError& e) {
        return e.problems();
    }
    return {};
}

/// Exactly one problem, which contains every one of `needles`.
void expectOneProblem(const Ini& ini, std::initializer_list<std::string> needles)
{
    const auto problems = problemsOf(render(ini));
    BOOST_TEST_REQUIRE(problems.size() == 1u, "expected one problem, got " << problems.size());
    for (const std::string& needle : needles)
        BOOST_TEST(problems[0].find(needle) != std::string::npos, "\"" << problems[0] << "\" lacks \"" << needle << "\"");
}

Ini with(const std::string& section, const std::string& key, const std::string& value)
{
    Ini ini = goodIni();
    ini[section][key] = value;
    return ini;
}

Ini without(const std::string& section, const std::string& key)
{
    Ini ini = goodIni();
    ini[section].erase(key);
    return ini;
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_SUITE(AppConfigTest)

BOOST_AUTO_TEST_CASE(good_file_loads_every_field)
{
    TempDir dir;
    const std::string path = dir.write("conf/stripe-install.ini", R"(; comment
[stripe]
app_id = com.example.shipping
app_secrets = absec_current_1, absec_previous_2
webhook_secrets = whsec_one,whsec_two
signature_tolerance = 0
install_link_base = http://127.0.0.1:8080/link/

[Site]
Redirect_URI = https://shop.example.com/stripe/callback?from=stripe
return_url = https://shop.example.com/settings#stripe
templates = /srv/templates
state_ttl = 30
livemode = Test
app_name = Shipment Invoicing ü
permissions = Read your invoices ; ; Create shipping labels;

[database]
connector = SQLite
connection = /var/lib/si/installs.db
busy_timeout_ms = 0
)");
    const si::AppConfig config = si::loadAppConfig(path, envOf());
    BOOST_TEST(config.appId == "com.example.shipping");
    BOOST_TEST(config.appSecrets == (std::vector<std::string>{"absec_current_1", "absec_previous_2"}),
               boost::test_tools::per_element());
    BOOST_TEST(config.webhookSecrets == (std::vector<std::string>{"whsec_one", "whsec_two"}),
               boost::test_tools::per_element());
    BOOST_TEST(config.signatureTolerance == 0);
    BOOST_TEST(config.installLinkBase == "http://127.0.0.1:8080/link");
    BOOST_TEST(config.redirectUri == "https://shop.example.com/stripe/callback?from=stripe");
    BOOST_TEST(config.returnUrl == "https://shop.example.com/settings#stripe");
    BOOST_TEST(config.templatesDir == "/srv/templates");
    BOOST_TEST(config.stateTtl == 30);
    BOOST_TEST((config.livemode == si::LivemodePolicy::Test));
    BOOST_TEST(config.appName == "Shipment Invoicing ü");
    BOOST_TEST(config.permissions == (std::vector<std::string>{"Read your invoices", "Create shipping labels"}),
               boost::test_tools::per_element());
    BOOST_TEST(config.dbConnector == "sqlite");
    BOOST_TEST(config.dbConnection == "/var/lib/si/installs.db");
    BOOST_TEST(config.dbBusyTimeoutMs == 0);
    BOOST_TEST(config.sourcePath == path);
}

BOOST_AUTO_TEST_CASE(defaults_and_paths_beside_the_file)
{
    TempDir dir;
    const std::string path = dir.write("etc/stripe-install.ini", render(goodIni()));
    const si::AppConfig config = si::loadAppConfig(path, envOf());
    const fs::path folder = fs::absolute(dir.path / "etc");
    BOOST_TEST(config.webhookSecrets.empty());
    BOOST_TEST(config.signatureTolerance == 300);
    BOOST_TEST(config.installLinkBase == "https://marketplace.stripe.com/apps/install/link");
    BOOST_TEST(config.returnUrl.empty());
    BOOST_TEST(config.templatesDir == (folder / "templates").string());
    BOOST_TEST(config.stateTtl == 600);
    BOOST_TEST((config.livemode == si::LivemodePolicy::Any));
    BOOST_TEST(config.appName == "com.example.shipping");
    BOOST_TEST(config.permissions.empty());
    BOOST_TEST(config.dbConnector == "sqlite");
    BOOST_TEST(config.dbConnection == (folder / "installs.db").string());
    BOOST_TEST(config.dbBusyTimeoutMs == 5000);

    Ini ini = with("site", "templates", "../share/tpl");
    ini["database"]["connection"] = "data/./x.db";
    const std::string other = dir.write("etc/other.ini", render(ini));
    const si::AppConfig moved = si::loadAppConfig(other, envOf());
    BOOST_TEST(moved.templatesDir == (fs::absolute(dir.path) / "share/tpl").string());
    BOOST_TEST(moved.dbConnection == (folder / "data/x.db").string());
}

BOOST_AUTO_TEST_CASE(environment_overrides_file_secrets)
{
    TempDir dir;
    Ini ini = with("stripe", "webhook_secrets", "whsec_file");
    const std::string path = dir.write("stripe-install.ini", render(ini));
    const auto config = si::loadAppConfig(
        path, envOf({{"STRIPE_APP_SECRETS", " absec_env_new , absec_env_old"}, {"STRIPE_WEBHOOK_SECRETS", "whsec_env"}}));
    BOOST_TEST(config.appSecrets == (std::vector<std::string>{"absec_env_new", "absec_env_old"}),
               boost::test_tools::per_element());
    BOOST_TEST(config.webhookSecrets == (std::vector<std::string>{"whsec_env"}), boost::test_tools::per_element());

    // An empty variable does not blank out the file's secrets.
    const auto blank = si::loadAppConfig(path, envOf({{"STRIPE_APP_SECRETS", ""}}));
    BOOST_TEST(blank.appSecrets.size() == 2u);

    // The environment alone is enough.
    const std::string bare = dir.write("bare.ini", render(without("stripe", "app_secrets")));
    BOOST_TEST(si::loadAppConfig(bare, envOf({{"STRIPE_APP_SECRETS", "absec_only"}})).appSecrets.size() == 1u);
}

BOOST_AUTO_TEST_CASE(secrets_from_files)
{
    TempDir dir;
    dir.write("secrets/app", "absec_from_file_1,\nabsec_from_file_2\r\n");
    dir.write("secrets/webhook", "whsec_from_file\n");
    Ini ini = without("stripe", "app_secrets");
    ini["stripe"]["app_secrets_file"] = "secrets/app";
    ini["stripe"]["webhook_secrets_file"] = (dir.path / "secrets/webhook").string();
    const auto config = si::loadAppConfig(dir.write("stripe-install.ini", render(ini)), envOf());
    BOOST_TEST(config.appSecrets == (std::vector<std::string>{"absec_from_file_1", "absec_from_file_2"}),
               boost::test_tools::per_element());
    BOOST_TEST(config.webhookSecrets == (std::vector<std::string>{"whsec_from_file"}), boost::test_tools::per_element());

    ini["stripe"]["app_secrets_file"] = "secrets/missing";
    const auto missing = problemsOf(render(ini));
    BOOST_TEST_REQUIRE(missing.size() == 1u);
    BOOST_TEST(contains(missing[0], "[stripe] app_secrets_file"));
    BOOST_TEST(contains(missing[0], "secrets/missing"));
    BOOST_TEST(contains(missing[0], "No such file or directory"));

    ini["stripe"]["app_secrets"] = "absec_inline";
    ini["stripe"]["app_secrets_file"] = "secrets/app";
    TempDir both;
    both.write("secrets/app", "absec_x");
    try {
        si::loadAppConfig(both.write("stripe-install.ini", render(ini)), envOf());
        BOOST_FAIL("app_secrets and app_secrets_file together must be refused");
    } catch (const si::ConfigError& e) {
        BOOST_TEST(contains(e.what(), "both set"));
    }
}

BOOST_AUTO_TEST_CASE(each_invalid_value_names_its_key)
{
    expectOneProblem(with("stripe", "app_id", "com example/app"), {"[stripe] app_id", "\"com example/app\""});
    expectOneProblem(with("stripe", "signature_tolerance", "-1"), {"[stripe] signature_tolerance", "\"-1\""});
    expectOneProblem(with("stripe", "signature_tolerance", "5m"), {"[stripe] signature_tolerance"});
    expectOneProblem(with("stripe", "install_link_base", "http://marketplace.example.com/link"),
                     {"[stripe] install_link_base", "https://"});
    expectOneProblem(with("stripe", "install_link_base", "https://x.example.com/link?a=1"), {"[stripe] install_link_base"});
    expectOneProblem(with("stripe", "install_link_base", "marketplace.stripe.com"), {"[stripe] install_link_base"});
    expectOneProblem(with("site", "redirect_uri", "/stripe/callback"), {"[site] redirect_uri", "absolute"});
    expectOneProblem(with("site", "redirect_uri", "https://shop.example.com/cb#top"), {"[site] redirect_uri", "'#'"});
    expectOneProblem(with("site", "redirect_uri", "ftp://shop.example.com/cb"), {"[site] redirect_uri"});
    expectOneProblem(with("site", "return_url", "shop.example.com/done"), {"[site] return_url"});
    expectOneProblem(with("site", "state_ttl", "abc"),
                     {"[site] state_ttl must be a whole number of seconds between 30 and 86400, not \"abc\""});
    expectOneProblem(with("site", "state_ttl", "29"), {"[site] state_ttl"});
    expectOneProblem(with("site", "state_ttl", "86401"), {"[site] state_ttl"});
    expectOneProblem(with("site", "livemode", "sandbox"), {"[site] livemode", "any, live or test"});
    expectOneProblem(with("site", "app_name", "Bad \xff name"), {"[site] app_name", "UTF-8"});
    expectOneProblem(with("database", "connector", "mysql"), {"[database] connector", "sqlite"});
    expectOneProblem(with("database", "busy_timeout_ms", "600001"), {"[database] busy_timeout_ms"});
    expectOneProblem(without("stripe", "app_id"), {"[stripe] app_id is missing"});
    expectOneProblem(without("site", "redirect_uri"), {"[site] redirect_uri is missing"});
    expectOneProblem(without("database", "connection"), {"[database] connection is missing"});
    // An empty value counts as unset: the default applies.
    BOOST_TEST(problemsOf(render(with("site", "state_ttl", ""))).empty());
}

BOOST_AUTO_TEST_CASE(loopback_install_link_bases_may_use_http)
{
    for (const char* base : {"http://localhost:4242/x", "http://[::1]:9/link", "http://127.0.0.1/link", "https://a.test"})
        BOOST_TEST(problemsOf(render(with("stripe", "install_link_base", base))).empty(), base);
}

BOOST_AUTO_TEST_CASE(messages_name_the_file_and_line)
{
    TempDir dir;
    const std::string path = dir.write("x.ini", render(with("site", "state_ttl", "abc")));
    try {
        si::loadAppConfig(path, envOf());
        BOOST_FAIL("state_ttl = abc must be refused");
    } catch (const si::ConfigError& e) {
        // render(): comment, [database], connection, [site], redirect_uri, state_ttl
        BOOST_TEST(std::string(e.what()) ==
                   path + ":6: [site] state_ttl must be a whole number of seconds between 30 and 86400, not \"abc\"");
    }
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_at_once)
{
    Ini ini = with("site", "state_ttl", "abc");
    ini["site"]["livemode"] = "sometimes";
    ini["site"].erase("redirect_uri");
    ini["database"]["busy_timeout_ms"] = "-5";
    ini["stripe"].erase("app_secrets");
    TempDir dir;
    try {
        si::loadAppConfig(dir.write("stripe-install.ini", render(ini)), envOf());
        BOOST_FAIL("five problems expected");
    } catch (const si::ConfigError& e) {
        BOOST_TEST(e.problems().size() == 5u);
        std::string joined;
        for (const auto& problem : e.problems())
            joined += (joined.empty() ? "" : "\n") + problem;
        BOOST_TEST(std::string(e.what()) == joined);
        for (const char* key : {"[site] state_ttl", "[site] livemode", "[site] redirect_uri",
                                "[database] busy_timeout_ms", "app_secrets"})
            BOOST_TEST(contains(e.what(), key), key);
        // File order first (lines 3, 6, 7 of the rendered file), then problems of no line.
        BOOST_TEST(contains(e.problems()[0], ":3: [database] busy_timeout_ms"));
        BOOST_TEST(contains(e.problems()[1], ":6: [site] livemode"));
        BOOST_TEST(contains(e.problems()[2], ":7: [site] state_ttl"));
    }
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_sections)
{
    expectOneProblem(with("site", "redirect_url", "https://x.test/cb"),
                     {"unknown key [site] redirect_url — did you mean redirect_uri?"});
    expectOneProblem(with("site", "app_id", "com.example.other"), {"unknown key [site] app_id", "belongs in [stripe]"});
    expectOneProblem(with("site", "colour", "blue"), {"unknown key [site] colour", "redirect_uri"});
    expectOneProblem(with("sitee", "x", "1"), {"unknown section [sitee] — did you mean [site]?"});
    expectOneProblem(with("logging", "level", "debug"), {"unknown section [logging]", "[stripe], [site]"});

    const auto outside = problemsOf("state_ttl = 60\n" + render(goodIni()));
    BOOST_TEST_REQUIRE(outside.size() == 1u);
    BOOST_TEST(contains(outside[0], ":1: state_ttl is outside any section: put it under [site]"));

    const auto twice = problemsOf(render(goodIni()) + "[site]\nREDIRECT_URI = https://b.test/cb\n");
    BOOST_TEST_REQUIRE(twice.size() == 1u);
    BOOST_TEST(contains(twice[0], "[site] redirect_uri is set again"));
}

BOOST_AUTO_TEST_CASE(missing_or_unreadable_file)
{
    TempDir dir;
    const std::string path = (dir.path / "nope.ini").string();
    try {
        si::loadAppConfig(path, envOf());
        BOOST_FAIL("a missing file must be refused");
    } catch (const si::ConfigError& e) {
        BOOST_TEST(e.problems().size() == 1u);
        BOOST_TEST(contains(e.what(), path));
        BOOST_TEST(contains(e.what(), "No such file or directory"));
    }
    // Poco's own loader would spin forever on a folder.
    try {
        si::loadAppConfig(dir.path.string(), envOf());
        BOOST_FAIL("a folder must be refused");
    } catch (const si::ConfigError& e) {
        BOOST_TEST(contains(e.what(), "folder"));
    }
}

BOOST_AUTO_TEST_CASE(no_secrets_anywhere)
{
    const auto problems = problemsOf(render(without("stripe", "app_secrets")));
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    for (const char* way : {"[stripe] app_secrets", "app_secrets_file", "STRIPE_APP_SECRETS"})
        BOOST_TEST(contains(problems[0], way), way);
    BOOST_TEST(problemsOf(render(with("stripe", "app_secrets", " , ,"))).size() == 1u);
}

BOOST_AUTO_TEST_CASE(secret_values_never_appear_in_messages)
{
    const std::string secret = "DoNotLeak7q9z";
    Ini ini = goodIni();
    ini["stripe"]["app_secrets"] = "absec_" + secret + " ; the current one";
    ini["stripe"]["webhook_secrets"] = "\"whsec_" + secret + "\"";
    std::string text = render(ini);
    text += "[stripe]\nwhsec_" + secret + "\n# app_secrets = absec_old_" + secret + "\n";
    const auto problems = problemsOf(text, {{"STRIPE_WEBHOOK_SECRETS", "whsec_" + secret + " x"}});
    BOOST_TEST(problems.size() == 4u); // app_secrets, webhook (env wins), no '=', '#'
    for (const auto& problem : problems) {
        BOOST_TEST(!contains(problem, secret), problem);
        BOOST_TEST(!contains(problem, "DoNotLeak"), problem);
    }

    ini = goodIni();
    ini["stripe"]["webhook_secrets"] = "\"whsec_" + secret + "\"";
    const auto quotedOnly = problemsOf(render(ini));
    BOOST_TEST_REQUIRE(quotedOnly.size() == 1u);
    BOOST_TEST(contains(quotedOnly[0], "[stripe] webhook_secrets: secret #1 contains a quote"));
    BOOST_TEST(!contains(quotedOnly[0], secret));
}

BOOST_AUTO_TEST_CASE(postgresql_takes_a_conninfo_and_a_password_file)
{
    TempDir dir;
    dir.write("secrets/pg-password", "pg-secret-1\n");
    Ini ini = goodIni();
    ini["database"] = {{"connector", "PostgreSQL"},
                       {"connection", "host=db.internal dbname=installs user=installs"},
                       {"password_file", "secrets/pg-password"}};
    const auto config = si::loadAppConfig(dir.write("stripe-install.ini", render(ini)), envOf());
    BOOST_TEST(config.dbConnector == "postgresql");
    BOOST_TEST(config.dbConnection == "host=db.internal dbname=installs user=installs"); // not a path
    BOOST_TEST(config.dbPassword == "pg-secret-1");

    expectOneProblem(with("database", "connector", "mysql"), {"[database] connector", "sqlite or postgresql"});
    Ini noConnection = with("database", "connector", "postgresql");
    noConnection["database"].erase("connection");
    expectOneProblem(noConnection, {"[database] connection", "is missing", "libpq"});
    expectOneProblem(with("database", "password_file", "pw"), {"[database] password_file", "postgresql only"});
    Ini unreadable = with("database", "connector", "postgresql");
    unreadable["database"]["password_file"] = "no-such-file";
    expectOneProblem(unreadable, {"[database] password_file", "cannot be read"});
}

BOOST_AUTO_TEST_CASE(example_file_loads_and_documents_every_key)
{
    const fs::path example = fs::path(SI_SOURCE_DIR) / "config" / "stripe-install.example.ini";
    std::ifstream in(example);
    BOOST_TEST_REQUIRE(in.good(), "missing " << example);
    std::stringstream text;
    text << in.rdbuf();
    TempDir dir;
    const std::string path = dir.write("stripe-install.ini", text.str());
    const auto config = si::loadAppConfig(path, envOf({{"STRIPE_APP_SECRETS", "absec_from_env"}}));
    BOOST_TEST(config.appSecrets.size() == 1u);
    for (const char* key : {"app_id", "app_secrets", "app_secrets_file", "webhook_secrets", "webhook_secrets_file",
                            "signature_tolerance", "install_link_base", "redirect_uri", "return_url", "templates",
                            "state_ttl", "livemode", "app_name", "permissions", "connector", "connection",
                            "busy_timeout_ms", "STRIPE_APP_SECRETS", "STRIPE_WEBHOOK_SECRETS", "[notify]", "url",
                            "secret", "command", "timeout_ms", "ca_file", "[admin]", "password_hash",
                            "session_secret"})
        BOOST_TEST(contains(text.str(), key), key);
}

BOOST_AUTO_TEST_CASE(config_path_resolution)
{
    TempDir dir;
    const std::string beside = dir.write("bin/stripe-install.ini", "");
    const std::string program = (dir.path / "bin/stripe-install").string();
    const auto env = envOf({{"STRIPE_INSTALL_CONFIG", "/etc/from-env.ini"}});
    BOOST_TEST(si::resolveConfigPath(std::string("/etc/cli.ini"), env, program) == "/etc/cli.ini");
    BOOST_TEST(si::resolveConfigPath(std::nullopt, env, program) == "/etc/from-env.ini");
    BOOST_TEST(si::resolveConfigPath(std::nullopt, envOf(), program) == beside);
    try {
        si::resolveConfigPath(std::nullopt, envOf(), (dir.path / "elsewhere/stripe-install").string());
        BOOST_FAIL("no configuration anywhere must be refused");
    } catch (const si::ConfigError& e) {
        for (const char* way : {"--config", "STRIPE_INSTALL_CONFIG", "beside the program", "elsewhere"})
            BOOST_TEST(contains(e.what(), way), way);
    }
}

BOOST_AUTO_TEST_CASE(process_environment_reads_getenv)
{
    ::setenv("SI_APPCONFIG_TEST_VARIABLE", "value", 1);
    const auto env = si::processEnvironment();
    BOOST_TEST(env("SI_APPCONFIG_TEST_VARIABLE").value_or("") == "value");
    BOOST_TEST(!env("SI_APPCONFIG_TEST_UNSET_VARIABLE").has_value());
    ::unsetenv("SI_APPCONFIG_TEST_VARIABLE");
}

BOOST_AUTO_TEST_CASE(stripe_api_keys_default_and_load)
{
    TempDir dir;
    const auto defaults = si::loadAppConfig(dir.write("a.ini", render(goodIni())), envOf());
    BOOST_TEST(defaults.apiKey.empty());
    BOOST_TEST(defaults.apiBase == "https://api.stripe.com");
    BOOST_TEST(defaults.apiVersion == std::string(si::kDefaultStripeApiVersion));
    BOOST_TEST(defaults.apiTimeoutMs == 10000);
    BOOST_TEST(defaults.apiCaFile.empty());

    dir.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
    Ini ini = with("stripe", "api_key", "sk_test_fromfile123");
    ini["stripe"]["api_base"] = "http://127.0.0.1:12111/";
    ini["stripe"]["api_version"] = "2024-06-20";
    ini["stripe"]["api_timeout_ms"] = "250";
    ini["stripe"]["api_ca_file"] = "certs/ca.pem";
    const auto loaded = si::loadAppConfig(dir.write("b.ini", render(ini)), envOf());
    BOOST_TEST(loaded.apiKey == "sk_test_fromfile123");
    BOOST_TEST(loaded.apiBase == "http://127.0.0.1:12111");
    BOOST_TEST(loaded.apiVersion == "2024-06-20");
    BOOST_TEST(loaded.apiTimeoutMs == 250);
    BOOST_TEST(loaded.apiCaFile == (fs::absolute(dir.path) / "certs/ca.pem").string());

    // The environment wins over the file; a key file is read and trimmed.
    const auto fromEnv = si::loadAppConfig(dir.path / "b.ini", envOf({{"STRIPE_API_KEY", " rk_live_env456 "}}));
    BOOST_TEST(fromEnv.apiKey == "rk_live_env456");
    dir.write("key", "sk_live_keyfile789\n");
    const auto fromFile = si::loadAppConfig(dir.write("c.ini", render(with("stripe", "api_key_file", "key"))), envOf());
    BOOST_TEST(fromFile.apiKey == "sk_live_keyfile789");
}

BOOST_AUTO_TEST_CASE(stripe_api_key_problems_never_show_the_key)
{
    const std::string secret = "pk_live_SHOULDNOTAPPEAR";
    expectOneProblem(with("stripe", "api_key", secret), {"[stripe] api_key", "publishable key"});
    expectOneProblem(with("stripe", "api_key", "sk_test_has space"), {"[stripe] api_key", "not shown"});
    Ini both = with("stripe", "api_key", "sk_test_a");
    both["stripe"]["api_key_file"] = "/nonexistent/key";
    const auto problems = problemsOf(render(both));
    BOOST_TEST(problems.size() == 2u);
    const auto envProblems = problemsOf(render(goodIni()), {{"STRIPE_API_KEY", secret}});
    BOOST_TEST_REQUIRE(envProblems.size() == 1u);
    BOOST_TEST(contains(envProblems[0], "STRIPE_API_KEY"));
    for (const auto& list : {problemsOf(render(with("stripe", "api_key", secret))), problems, envProblems})
        for (const std::string& problem : list)
            BOOST_TEST(!contains(problem, "SHOULDNOTAPPEAR"), problem);
}

BOOST_AUTO_TEST_CASE(stripe_api_settings_are_checked)
{
    expectOneProblem(with("stripe", "api_base", "http://api.stripe.com"), {"[stripe] api_base", "https://"});
    expectOneProblem(with("stripe", "api_base", "https://api.stripe.com/v1"), {"[stripe] api_base", "without a path"});
    expectOneProblem(with("stripe", "api_base", "https://api.stripe.com?x=1"), {"[stripe] api_base"});
    BOOST_TEST(problemsOf(render(with("stripe", "api_base", "http://localhost:9000"))).empty());
    expectOneProblem(with("stripe", "api_version", "latest"), {"[stripe] api_version", "2025-11-17.clover"});
    expectOneProblem(with("stripe", "api_version", "2025-11-17."), {"[stripe] api_version"});
    BOOST_TEST(problemsOf(render(with("stripe", "api_version", "2025-03-31.basil"))).empty());
    expectOneProblem(with("stripe", "api_timeout_ms", "50"), {"[stripe] api_timeout_ms", "between 100 and 600000"});
    expectOneProblem(with("stripe", "api_timeout_ms", "ten"), {"[stripe] api_timeout_ms"});
    expectOneProblem(with("stripe", "api_ca_file", "/nonexistent/ca.pem"), {"[stripe] api_ca_file", "/nonexistent/ca.pem"});
    expectOneProblem(with("stripe", "api_kee", "sk_test_x"), {"did you mean api_key?"});
}

BOOST_AUTO_TEST_CASE(notify_is_off_by_default_and_loads)
{
    TempDir dir;
    const auto plain = si::loadAppConfig(dir.write("a.ini", render(goodIni())), envOf());
    BOOST_TEST(!plain.notifyEnabled());
    BOOST_TEST(plain.notifyTimeoutMs == 10000);

    Ini ini = goodIni();
    ini["notify"]["url"] = "https://app.example.com/stripe/installed";
    ini["notify"]["secret"] = "whsec_notify_1";
    ini["notify"]["timeout_ms"] = "2500";
    ini["notify"]["ca_file"] = "certs/ca.pem";
    dir.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
    const auto withUrl = si::loadAppConfig(dir.write("b.ini", render(ini)), envOf());
    BOOST_TEST(withUrl.notifyEnabled());
    BOOST_TEST(withUrl.notifyUrl == "https://app.example.com/stripe/installed");
    BOOST_TEST(withUrl.notifySecret == "whsec_notify_1");
    BOOST_TEST(withUrl.notifyTimeoutMs == 2500);
    BOOST_TEST(withUrl.notifyCaFile == (fs::absolute(dir.path) / "certs/ca.pem").string());

    // http:// on a loopback host is fine (a local receiver)
    Ini loopback = with("notify", "url", "http://127.0.0.1:8099/hook");
    loopback["notify"]["secret"] = "whsec_x";
    BOOST_TEST(problemsOf(render(loopback)).empty());

    const std::string script = dir.write("notify.sh", "#!/bin/sh\nexit 0\n");
    ::chmod(script.c_str(), 0755);
    const auto withCommand = si::loadAppConfig(dir.write("c.ini", render(with("notify", "command", script))), envOf());
    BOOST_TEST(withCommand.notifyEnabled());
    BOOST_TEST(withCommand.notifyCommand == script);
}

BOOST_AUTO_TEST_CASE(notify_settings_are_checked)
{
    Ini noSecret = with("notify", "url", "https://app.example.com/hook");
    expectOneProblem(noSecret, {"[notify] url", "needs [notify] secret"});
    Ini plainHttp = with("notify", "url", "http://app.example.com/hook");
    plainHttp["notify"]["secret"] = "whsec_x";
    expectOneProblem(plainHttp, {"[notify] url", "https://"});
    Ini both = with("notify", "url", "https://app.example.com/hook");
    both["notify"]["secret"] = "whsec_x";
    both["notify"]["command"] = "/bin/true";
    expectOneProblem(both, {"[notify] command", "both set"});
    expectOneProblem(with("notify", "command", "bin/notify.sh"), {"[notify] command", "absolute path"});
    expectOneProblem(with("notify", "command", "/nonexistent/notify.sh"), {"[notify] command", "not an executable"});
    expectOneProblem(with("notify", "timeout_ms", "5"), {"[notify] timeout_ms", "between 100 and 600000"});
    expectOneProblem(with("notify", "ca_file", "/nonexistent/ca.pem"), {"[notify] ca_file"});
    expectOneProblem(with("notify", "uri", "https://x"), {"did you mean url?"});

    // The secret never appears, even when malformed.
    Ini spaced = with("notify", "url", "https://app.example.com/hook");
    spaced["notify"]["secret"] = "\"whsec_topsecret\"";
    const auto problems = problemsOf(render(spaced));
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(contains(problems[0], "[notify] secret"));
    BOOST_TEST(!contains(problems[0], "topsecret"));
}

BOOST_AUTO_TEST_CASE(admin_keys_are_checked)
{
    TempDir dir;
    Ini ini = goodIni();
    const std::string hash = "pbkdf2-sha256$200000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    ini["admin"]["password_hash"] = hash;
    ini["admin"]["session_secret"] = "s3ssion-secret";
    const auto loaded = si::loadAppConfig(dir.write("a.ini", render(ini)), envOf());
    BOOST_TEST(loaded.adminPasswordHash == hash);
    BOOST_TEST(loaded.adminSessionSecret == "s3ssion-secret");

    const auto problems = problemsOf(render(with("admin", "password_hash", "md5$secretish")));
    BOOST_TEST_REQUIRE(problems.size() == 1u);
    BOOST_TEST(contains(problems[0], "[admin] password_hash"));
    BOOST_TEST(!contains(problems[0], "secretish"));
    const auto badSecret = problemsOf(render(with("admin", "session_secret", "two words")));
    BOOST_TEST_REQUIRE(badSecret.size() == 1u);
    BOOST_TEST(contains(badSecret[0], "[admin] session_secret"));
    BOOST_TEST(!contains(badSecret[0], "two words"));
}

BOOST_AUTO_TEST_SUITE_END()
