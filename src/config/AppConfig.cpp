#include "config/AppConfig.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "config/IniFile.h"
#include "core/AdminAuth.h"
#include "core/Text.h"

namespace si {
namespace {

namespace fs = std::filesystem;

struct Section {
    std::string name;
    std::vector<std::string> keys;
};

const std::vector<Section>& schema()
{
    static const std::vector<Section> sections = {
        {"stripe", {"app_id", "app_secrets", "app_secrets_file", "webhook_secrets", "webhook_secrets_file",
                    "signature_tolerance", "install_link_base", "api_key", "api_key_file", "api_base",
                    "api_version", "api_timeout_ms", "api_ca_file"}},
        {"site", {"redirect_uri", "return_url", "templates", "state_ttl", "livemode", "app_name", "permissions"}},
        {"database", {"connector", "connection", "busy_timeout_ms", "password_file"}},
        {"notify", {"url", "secret", "command", "timeout_ms", "ca_file"}},
        {"admin", {"password_hash", "session_secret"}},
    };
    return sections;
}

const Section* findSection(const std::string& name)
{
    for (const Section& section : schema())
        if (section.name == name)
            return &section;
    return nullptr;
}

/// The section that declares `key`, if any.
const Section* sectionOfKey(const std::string& key)
{
    for (const Section& section : schema())
        if (std::find(section.keys.begin(), section.keys.end(), key) != section.keys.end())
            return &section;
    return nullptr;
}

std::size_t editDistance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

/// The candidate near enough to `word` to be what a typo meant.
std::optional<std::string> closest(const std::string& word, const std::vector<std::string>& candidates)
{
    std::size_t best = word.size() < 5 ? 2 : 3; // accept a distance of 1, or 2 for longer words
    std::optional<std::string> found;
    for (const std::string& candidate : candidates) {
        // The distance is at least the difference in length: most words
        // (and every long one) need no table at all.
        const std::size_t lengthGap =
            word.size() > candidate.size() ? word.size() - candidate.size() : candidate.size() - word.size();
        if (lengthGap >= best)
            continue;
        const std::size_t distance = editDistance(word, candidate);
        if (distance < best) {
            best = distance;
            found = candidate;
        }
    }
    return found;
}

std::string joinLines(const std::vector<std::string>& lines)
{
    std::string joined;
    for (const std::string& line : lines)
        joined += (joined.empty() ? "" : "\n") + line;
    return joined;
}

/// Reads the whole file into `text`; returns why it could not. Poco's own
/// loader spins forever on a folder, so the file is read here.
std::optional<std::string> readFile(const std::string& path, std::string& text)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::string(std::strerror(errno));
    struct stat info {};
    if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
        ::close(fd);
        return std::string("it is a folder, not a file");
    }
    std::optional<std::string> failure;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            text.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            failure = std::strerror(errno);
            break;
        }
    }
    ::close(fd);
    return failure;
}

std::string trimmed(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return std::string(text);
}

std::string shown(const std::string& value) { return "\"" + logSafe(value) + "\""; }

bool hasSpaceOrControl(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte == 0x7F;
    });
}

std::optional<std::int64_t> parseWholeNumber(const std::string& text)
{
    std::int64_t number = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, number);
    if (text.empty() || error != std::errc() || stop != end)
        return std::nullopt;
    return number;
}

/// Parsed http(s) URL, or nothing when `text` is not an absolute http(s) URL
/// with a host and without spaces or control characters.
std::optional<Poco::URI> httpUrl(const std::string& text)
{
    if (hasSpaceOrControl(text))
        return std::nullopt;
    try {
        Poco::URI uri(text);
        if ((uri.getScheme() == "http" || uri.getScheme() == "https") && !uri.getHost().empty())
            return uri;
    } catch (const Poco::Exception&) {
    }
    return std::nullopt;
}

/// Reads one file into an AppConfig, collecting every problem on the way.
class Loader {
public:
    Loader(std::string path, const EnvLookup& env) : _path(std::move(path)), _env(env) {}

    AppConfig load()
    {
        std::string text;
        if (auto failure = readFile(_path, text))
            throw ConfigError({_path + ": cannot read the configuration file: " + *failure});
        if (text.rfind("\xEF\xBB\xBF", 0) == 0)
            text.erase(0, 3); // a byte-order mark from a Windows editor
        std::error_code ignored;
        _folder = fs::absolute(fs::path(_path), ignored).parent_path();
        _ini = IniFile::parse(text);
        scanLines(text);

        AppConfig config;
        config.sourcePath = _path;
        readStripe(config);
        readSite(config);
        readDatabase(config);
        readNotify(config);
        readAdmin(config);
        if (!_problems.empty()) {
            // In file order, so a merchant can work down the file; problems
            // of no single line (missing keys, the environment) come last.
            std::stable_sort(_problems.begin(), _problems.end(), [](const auto& a, const auto& b) {
                return (a.first == 0 ? INT_MAX : a.first) < (b.first == 0 ? INT_MAX : b.first);
            });
            std::vector<std::string> problems;
            for (const auto& problem : _problems)
                problems.push_back(problem.second);
            throw ConfigError(problems);
        }
        return config;
    }

private:
    void problem(int line, const std::string& text)
    {
        _problems.emplace_back(line, _path + (line > 0 ? ":" + std::to_string(line) : "") + ": " + text);
    }

    void keyProblem(const std::string& section, const std::string& key, const std::string& text)
    {
        const auto line = _lineOf.find(section + "." + key);
        problem(line == _lineOf.end() ? 0 : line->second, "[" + section + "] " + key + " " + text);
    }

    /// The value, or nothing when the key is absent or empty.
    std::optional<std::string> value(const std::string& section, const std::string& key) const
    {
        std::string text = _ini.get(section + "." + key).value_or("");
        if (text.empty())
            return std::nullopt;
        return text;
    }

    std::string resolvePath(const std::string& text) const
    {
        const fs::path path(text);
        return (path.is_absolute() ? path : _folder / path).lexically_normal().string();
    }

    /// Section layout and key names, with line numbers. IniFile takes the values;
    /// this pass finds what it accepts silently: unknown or repeated keys,
    /// '#' "comments" and lines without '='. Those last two are never echoed,
    /// since such a line may hold a secret.
    void scanLines(const std::string& text)
    {
        std::string section;
        std::set<std::string> sectionsSeen;
        std::map<std::string, int> firstLine;
        std::istringstream lines(text);
        std::string raw;
        for (int number = 1; std::getline(lines, raw); ++number) {
            const std::string line = trimmed(raw);
            if (line.empty() || line[0] == ';')
                continue;
            if (line[0] == '[') {
                const auto close = line.find(']');
                if (close == std::string::npos)
                    problem(number, "a section header needs a closing ']'");
                section = asciiLower(trimmed(line.substr(1, close == std::string::npos ? close : close - 1)));
                if (sectionsSeen.insert(section).second && !findSection(section))
                    unknownSection(number, section);
                continue;
            }
            if (line[0] == '#') {
                problem(number, "starts with '#', which does not make a comment in this file: comments are "
                                "lines starting with ';' (the line is not shown, in case it holds a secret)");
                continue;
            }
            const auto equals = line.find('=');
            if (equals == std::string::npos) {
                problem(number, "is not `key = value` (the line is not shown, in case it holds a secret; "
                                "comments are lines starting with ';')");
                continue;
            }
            const std::string key = asciiLower(trimmed(line.substr(0, equals)));
            const std::string full = section.empty() ? key : section + "." + key;
            _lineOf[full] = number;
            const auto [first, isNew] = firstLine.emplace(full, number);
            if (!isNew)
                problem(number, "[" + logSafe(section) + "] " + logSafe(key) + " is set again (first on line " +
                                    std::to_string(first->second) + "); keep one");
            else if (section.empty())
                keyOutsideSection(number, key);
            else if (const Section* known = findSection(section))
                checkKnownKey(number, *known, key);
        }
    }

    void unknownSection(int line, const std::string& name)
    {
        std::vector<std::string> names;
        for (const Section& s : schema())
            names.push_back(s.name);
        const auto guess = closest(name, names);
        problem(line, "unknown section [" + logSafe(name) + "]" +
                          (guess ? " — did you mean [" + *guess + "]?"
                                 : " (the sections are [stripe], [site], [database], [notify] and [admin])"));
    }

    void keyOutsideSection(int line, const std::string& key)
    {
        const Section* home = sectionOfKey(key);
        problem(line, logSafe(key) + " is outside any section: " +
                          (home ? "put it under [" + home->name + "]"
                                : std::string("keys belong under [stripe], [site], [database], [notify] or [admin]")));
    }

    void checkKnownKey(int line, const Section& section, const std::string& key)
    {
        if (std::find(section.keys.begin(), section.keys.end(), key) != section.keys.end())
            return;
        std::string text = "unknown key [" + section.name + "] " + logSafe(key);
        if (const Section* home = sectionOfKey(key)) {
            text += " — it belongs in [" + home->name + "]";
        } else if (const auto guess = closest(key, section.keys)) {
            text += " — did you mean " + *guess + "?";
        } else {
            std::string known;
            for (const std::string& k : section.keys)
                known += (known.empty() ? "" : ", ") + k;
            text += " (the keys of [" + section.name + "] are " + known + ")";
        }
        problem(line, text);
    }

    std::int64_t integer(const std::string& section, const std::string& key, std::int64_t fallback,
                         std::int64_t low, std::int64_t high, const std::string& expected)
    {
        const auto text = value(section, key);
        if (!text)
            return fallback;
        const auto number = parseWholeNumber(*text);
        if (number && *number >= low && *number <= high)
            return *number;
        keyProblem(section, key, "must be " + expected + ", not " + shown(*text));
        return fallback;
    }

    std::string required(const std::string& section, const std::string& key, const std::string& hint)
    {
        auto text = value(section, key);
        if (!text)
            keyProblem(section, key, "is missing: " + hint);
        return text.value_or("");
    }

    /// Each secret must look like one. The values are never shown.
    void checkSecrets(const std::vector<std::string>& secrets, int line, const std::string& origin)
    {
        if (secrets.empty())
            problem(line, origin + " holds no secret (expected one or more, comma-separated)");
        for (std::size_t i = 0; i < secrets.size(); ++i) {
            const std::string which = origin + ": secret #" + std::to_string(i + 1);
            if (hasSpaceOrControl(secrets[i]))
                problem(line, which + " contains a space or control character (secrets are not shown; a "
                                      "comment must be on its own line, starting with ';')");
            else if (secrets[i].find_first_of("\"'") != std::string::npos)
                problem(line, which + " contains a quote: write secrets without quotes (secrets are not shown)");
        }
    }

    /// Secrets from the environment, else `fileKey`, else `key`.
    std::vector<std::string> secrets(const std::string& key, const std::string& fileKey, const std::string& envName,
                                     bool isRequired, const std::string& what)
    {
        if (const auto fromEnv = _env(envName); fromEnv && !trimWhitespace(*fromEnv).empty()) {
            auto list = splitCommaList(*fromEnv);
            checkSecrets(list, 0, "the environment variable " + envName);
            return list;
        }
        const auto listed = value("stripe", key);
        const auto file = value("stripe", fileKey);
        const auto found = _lineOf.find("stripe." + (file ? fileKey : key));
        const int line = found == _lineOf.end() ? 0 : found->second;
        if (listed && file)
            keyProblem("stripe", fileKey, "and [stripe] " + key + " are both set: keep only one");
        if (file) {
            const std::string path = resolvePath(*file);
            std::string text;
            if (const auto failure = readFile(path, text)) {
                keyProblem("stripe", fileKey, "cannot be read: " + path + ": " + *failure);
                return {};
            }
            std::replace(text.begin(), text.end(), '\n', ',');
            std::replace(text.begin(), text.end(), '\r', ',');
            auto list = splitCommaList(text);
            checkSecrets(list, line, "[stripe] " + fileKey + " " + path);
            return list;
        }
        if (listed) {
            auto list = splitCommaList(*listed);
            checkSecrets(list, line, "[stripe] " + key);
            return list;
        }
        if (isRequired)
            problem(0, "no " + what + ": set [stripe] " + key + " or [stripe] " + fileKey +
                           ", or the environment variable " + envName + " (comma-separated, newest first)");
        return {};
    }

    void readStripe(AppConfig& config)
    {
        config.appId = required("stripe", "app_id", "set it to the id in your app's manifest, e.g. com.example.app");
        if (!config.appId.empty() &&
            config.appId.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
                std::string::npos)
            keyProblem("stripe", "app_id",
                       "may hold only letters, digits, '.', '_' and '-' (e.g. com.example.app), not " +
                           shown(config.appId));
        config.appSecrets = secrets("app_secrets", "app_secrets_file", "STRIPE_APP_SECRETS", true,
                                    "app signing secret");
        config.webhookSecrets = secrets("webhook_secrets", "webhook_secrets_file", "STRIPE_WEBHOOK_SECRETS", false,
                                        "webhook signing secret");
        config.signatureTolerance =
            integer("stripe", "signature_tolerance", config.signatureTolerance, 0, INT64_MAX,
                    "a whole number of seconds, 0 or more (0 turns the timestamp check off)");
        if (const auto base = value("stripe", "install_link_base")) {
            const auto uri = httpUrl(*base);
            const bool secure = uri && (uri->getScheme() == "https" || isLoopbackHost(uri->getHost()));
            if (!secure || !uri->getRawQuery().empty() || base->find_first_of("?#") != std::string::npos)
                keyProblem("stripe", "install_link_base",
                           "must be an absolute https:// URL without '?' or '#' (http:// only on 127.0.0.1, "
                           "localhost or [::1]), not " + shown(*base));
            config.installLinkBase = *base;
            while (config.installLinkBase.size() > 1 && config.installLinkBase.back() == '/')
                config.installLinkBase.pop_back();
        }
        readStripeApi(config);
    }

    /// The API key: STRIPE_API_KEY, else api_key_file, else api_key. Never shown.
    std::string apiKey()
    {
        std::string key;
        std::string origin;
        int line = 0;
        if (const auto fromEnv = _env("STRIPE_API_KEY"); fromEnv && !trimWhitespace(*fromEnv).empty()) {
            key = std::string(trimWhitespace(*fromEnv));
            origin = "the environment variable STRIPE_API_KEY";
        } else {
            const auto listed = value("stripe", "api_key");
            const auto file = value("stripe", "api_key_file");
            if (listed && file)
                keyProblem("stripe", "api_key_file", "and [stripe] api_key are both set: keep only one");
            const auto found = _lineOf.find(file ? "stripe.api_key_file" : "stripe.api_key");
            line = found == _lineOf.end() ? 0 : found->second;
            if (file) {
                const std::string path = resolvePath(*file);
                if (const auto failure = readFile(path, key)) {
                    keyProblem("stripe", "api_key_file", "cannot be read: " + path + ": " + *failure);
                    return {};
                }
                key = trimmed(key);
                origin = "[stripe] api_key_file " + path;
            } else if (listed) {
                key = trimmed(*listed);
                origin = "[stripe] api_key";
            } else {
                return {};
            }
        }
        if (key.empty() || hasSpaceOrControl(key) || key.find_first_of("\"'") != std::string::npos)
            problem(line, origin + " must hold one key, without spaces, quotes or other text (the key is not shown)");
        else if (key.rfind("sk_", 0) != 0 && key.rfind("rk_", 0) != 0)
            problem(line, origin + " must be a secret key (sk_live_… or sk_test_…) or a restricted key (rk_…); " +
                              (key.rfind("pk_", 0) == 0 ? "a publishable key (pk_…) cannot make these calls"
                                                        : "the key is not shown"));
        return key;
    }

    void readStripeApi(AppConfig& config)
    {
        config.apiKey = apiKey();
        if (const auto base = value("stripe", "api_base")) {
            const auto uri = httpUrl(*base);
            const bool secure = uri && (uri->getScheme() == "https" || isLoopbackHost(uri->getHost()));
            std::string path = uri ? uri->getPath() : "";
            while (!path.empty() && path.back() == '/')
                path.pop_back();
            if (!secure || !path.empty() || base->find_first_of("?#") != std::string::npos ||
                !uri->getUserInfo().empty())
                keyProblem("stripe", "api_base",
                           "must be an https:// URL of a host, without a path, '?' or '#' (http:// only on "
                           "127.0.0.1, localhost or [::1]), e.g. https://api.stripe.com, not " + shown(*base));
            config.apiBase = *base;
            while (config.apiBase.size() > 1 && config.apiBase.back() == '/')
                config.apiBase.pop_back();
        }
        if (const auto version = value("stripe", "api_version")) {
            // YYYY-MM-DD, optionally followed by ".name" (e.g. 2025-11-17.clover).
            const std::string& v = *version;
            bool ok = v.size() >= 10 && v[4] == '-' && v[7] == '-' && (v.size() == 10 || v[10] == '.');
            for (std::size_t i = 0; ok && i < v.size(); ++i) {
                const auto c = static_cast<unsigned char>(v[i]);
                ok = i < 10 ? (i == 4 || i == 7 || std::isdigit(c)) : (i == 10 || std::isalnum(c) || c == '_');
            }
            if (!ok || v.size() == 11)
                keyProblem("stripe", "api_version",
                           std::string("must be a Stripe API version like ") + kDefaultStripeApiVersion +
                               ", not " + shown(v));
            config.apiVersion = v;
        }
        config.apiTimeoutMs = static_cast<int>(integer("stripe", "api_timeout_ms", config.apiTimeoutMs, 100, 600000,
                                                       "a whole number of milliseconds between 100 and 600000"));
        if (const auto ca = value("stripe", "api_ca_file")) {
            config.apiCaFile = resolvePath(*ca);
            std::error_code error;
            if (!fs::is_regular_file(config.apiCaFile, error))
                keyProblem("stripe", "api_ca_file", "is not a readable file: " + config.apiCaFile);
        }
    }

    void readSite(AppConfig& config)
    {
        config.redirectUri = required("site", "redirect_uri",
                                      "set it to the callback's public URL, as listed in allowed_redirect_uris "
                                      "in your app's manifest");
        if (!config.redirectUri.empty() &&
            (!httpUrl(config.redirectUri) || config.redirectUri.find('#') != std::string::npos))
            keyProblem("site", "redirect_uri",
                       "must be an absolute http:// or https:// URL without '#' (e.g. "
                       "https://example.com/stripe/callback), not " + shown(config.redirectUri));
        config.returnUrl = value("site", "return_url").value_or("");
        if (!config.returnUrl.empty() && !httpUrl(config.returnUrl))
            keyProblem("site", "return_url",
                       "must be an absolute http:// or https:// URL (e.g. https://example.com/settings), not " +
                           shown(config.returnUrl));
        config.templatesDir = resolvePath(value("site", "templates").value_or("templates"));
        config.stateTtl = integer("site", "state_ttl", config.stateTtl, 30, 86400,
                                  "a whole number of seconds between 30 and 86400");
        if (const auto mode = value("site", "livemode")) {
            const std::string lower = asciiLower(*mode);
            if (lower == "live")
                config.livemode = LivemodePolicy::Live;
            else if (lower == "test")
                config.livemode = LivemodePolicy::Test;
            else if (lower != "any")
                keyProblem("site", "livemode", "must be any, live or test, not " + shown(*mode));
        }
        config.appName = value("site", "app_name").value_or(config.appId);
        if (!isValidUtf8(config.appName))
            keyProblem("site", "app_name", "is not valid UTF-8: save the file as UTF-8");
        const std::string permissions = value("site", "permissions").value_or("");
        if (!isValidUtf8(permissions))
            keyProblem("site", "permissions", "is not valid UTF-8: save the file as UTF-8");
        std::size_t start = 0;
        while (start <= permissions.size()) {
            const std::size_t end = std::min(permissions.find(';', start), permissions.size());
            const std::string item = trimmed(std::string_view(permissions).substr(start, end - start));
            if (!item.empty())
                config.permissions.push_back(item);
            start = end + 1;
        }
    }

    void readDatabase(AppConfig& config)
    {
        if (const auto connector = value("database", "connector")) {
            const std::string lower = asciiLower(*connector);
            if (lower == "postgresql" || lower == "postgres")
                config.dbConnector = "postgresql";
            else if (lower != "sqlite")
                keyProblem("database", "connector", "must be sqlite or postgresql, not " + shown(*connector));
            else
                config.dbConnector = lower;
        }
        const bool postgres = config.dbConnector == "postgresql";
        const std::string connection = required(
            "database", "connection",
            postgres ? "set it to a libpq connection string, e.g. connection = host=db.internal dbname=installs"
                       " user=installs (the password from PGPASSWORD or [database] password_file)"
                     : "set it to the SQLite file, e.g. connection = installs.db");
        // PostgreSQL's is a libpq conninfo, passed on as it is (the store
        // names it with any password masked); SQLite's is a file.
        if (!connection.empty())
            config.dbConnection = postgres ? connection : resolvePath(connection);
        if (const auto file = value("database", "password_file")) {
            if (!postgres) {
                keyProblem("database", "password_file", "is for connector = postgresql only: remove it");
            } else {
                const std::string path = resolvePath(*file);
                std::string password;
                if (const auto failure = readFile(path, password))
                    keyProblem("database", "password_file", "cannot be read: " + path + ": " + *failure);
                else if ((password = trimmed(password)).empty())
                    keyProblem("database", "password_file", "holds no password: " + path);
                else
                    config.dbPassword = password;
            }
        }
        config.dbBusyTimeoutMs = static_cast<int>(
            integer("database", "busy_timeout_ms", config.dbBusyTimeoutMs, 0, 600000,
                    "a whole number of milliseconds between 0 and 600000"));
    }

    /// A secret key's value: one word, no quotes; never shown.
    std::string secretValue(const std::string& section, const std::string& key)
    {
        const auto text = value(section, key);
        if (!text)
            return {};
        const std::string secret = trimmed(*text);
        if (hasSpaceOrControl(secret) || secret.find_first_of("\"'") != std::string::npos)
            keyProblem(section, key, "must be one word without spaces or quotes (the value is not shown)");
        return secret;
    }

    void readNotify(AppConfig& config)
    {
        const auto url = value("notify", "url");
        const auto command = value("notify", "command");
        config.notifySecret = secretValue("notify", "secret");
        if (url && command)
            keyProblem("notify", "command", "and [notify] url are both set: notify by one of them only");
        if (url) {
            const auto uri = httpUrl(*url);
            const bool secure = uri && (uri->getScheme() == "https" || isLoopbackHost(uri->getHost()));
            if (!secure || url->find('#') != std::string::npos || !uri->getUserInfo().empty())
                keyProblem("notify", "url",
                           "must be an https:// URL without '#' or user info (http:// only on 127.0.0.1, localhost "
                           "or [::1]), e.g. https://example.com/stripe/installed, not " + shown(*url));
            else
                config.notifyUrl = *url;
            if (config.notifySecret.empty())
                keyProblem("notify", "url",
                           "needs [notify] secret: the receiver verifies each notification's Stripe-Signature "
                           "with it (e.g. a whsec_… string of your choice)");
        }
        if (command) {
            if (!fs::path(*command).is_absolute())
                keyProblem("notify", "command",
                           "must be an absolute path to a program (no arguments; it is run without a shell), not " +
                               shown(*command));
            else if (::access(command->c_str(), X_OK) != 0)
                keyProblem("notify", "command", "is not an executable file: " + shown(*command));
            else
                config.notifyCommand = *command;
        }
        config.notifyTimeoutMs = static_cast<int>(integer("notify", "timeout_ms", config.notifyTimeoutMs, 100, 600000,
                                                          "a whole number of milliseconds between 100 and 600000"));
        if (const auto ca = value("notify", "ca_file")) {
            config.notifyCaFile = resolvePath(*ca);
            std::error_code error;
            if (!fs::is_regular_file(config.notifyCaFile, error))
                keyProblem("notify", "ca_file", "is not a readable file: " + config.notifyCaFile);
        }
    }

    void readAdmin(AppConfig& config)
    {
        if (const auto hash = value("admin", "password_hash")) {
            std::string why;
            if (!parsePasswordHash(trimmed(*hash), &why))
                keyProblem("admin", "password_hash",
                           "is not a password hash this program made (" + why +
                               "): make one with stripe-install admin set-password (the value is not shown)");
            else
                config.adminPasswordHash = trimmed(*hash);
        }
        config.adminSessionSecret = secretValue("admin", "session_secret");
    }

    std::string _path;
    const EnvLookup& _env;
    fs::path _folder;
    IniFile _ini;
    std::map<std::string, int> _lineOf; ///< "section.key" (lower case) → line of the value Poco keeps
    std::vector<std::pair<int, std::string>> _problems; ///< line (0: none) and message
};

} // namespace

ConfigError::ConfigError(const std::vector<std::string>& problems)
    : std::runtime_error(joinLines(problems)), _problems(problems)
{
}

EnvLookup processEnvironment()
{
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value)
            return std::nullopt;
        return std::string(value);
    };
}

AppConfig loadAppConfig(const std::string& path, const EnvLookup& env)
{
    return Loader(path, env).load();
}

std::string resolveConfigPath(const std::optional<std::string>& fromCommandLine, const EnvLookup& env,
                              const std::string& programPath)
{
    if (fromCommandLine) {
        if (fromCommandLine->empty())
            throw ConfigError({"--config needs the path of the configuration file"});
        return *fromCommandLine;
    }
    if (const auto fromEnv = env("STRIPE_INSTALL_CONFIG"); fromEnv && !fromEnv->empty())
        return *fromEnv;
    const fs::path folder = fs::path(programPath).parent_path();
    const fs::path beside = folder / "stripe-install.ini";
    std::error_code ignored;
    if (!folder.empty() && fs::is_regular_file(beside, ignored))
        return beside.string();
    throw ConfigError({"no configuration file: pass --config /path/to/stripe-install.ini, set the environment "
                       "variable STRIPE_INSTALL_CONFIG to its path, or put stripe-install.ini beside the program" +
                       (folder.empty() ? std::string() : " (looked for " + beside.string() + ")")});
}

} // namespace si
