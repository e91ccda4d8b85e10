#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace si {

/// Which installs the callback accepts: Stripe appends livemode=false to
/// test-mode (and sandbox) installs.
enum class LivemodePolicy { Any, Live, Test };

/// The Stripe API version this program is written against (Stripe-Version).
/// Pinned so an account's default version changing never changes an answer.
inline constexpr const char* kDefaultStripeApiVersion = "2025-11-17.clover";

/// The program's configuration, read once at start-up from an INI file and
/// the environment, validated, and typed. Relative paths in the file are
/// resolved against the file's own folder, so a bundle can be moved whole.
struct AppConfig {
    // [stripe]
    std::string appId;                       ///< app_id (required), e.g. com.example.app
    std::vector<std::string> appSecrets;     ///< app_secrets or app_secrets_file (required; first = current)
    std::vector<std::string> webhookSecrets; ///< webhook_secrets or webhook_secrets_file (optional; needed for /webhook)
    std::int64_t signatureTolerance = 300;   ///< signature_tolerance, seconds (0 = off)
    /// install_link_base: https (http only on a loopback host), no '?' or '#',
    /// trailing '/' removed; the link is this + "/" + app id + "?redirect_uri=…".
    std::string installLinkBase = "https://marketplace.stripe.com/apps/install/link";

    // [stripe], the API (optional: only `api`, `installs sync` and the
    // success page's account name use it)
    std::string apiKey;                      ///< api_key, api_key_file or STRIPE_API_KEY; secret, "" = none
    /// api_base: https (http only on a loopback host), no path, query or '#'; trailing '/' removed.
    std::string apiBase = "https://api.stripe.com";
    std::string apiVersion = kDefaultStripeApiVersion; ///< api_version: sent as Stripe-Version
    int apiTimeoutMs = 10000;                ///< api_timeout_ms: per attempt, 100 to 600000
    std::string apiCaFile;                   ///< api_ca_file: extra CA bundle (PEM) to trust; absolute; "" = none

    // [site]
    std::string redirectUri;                 ///< redirect_uri (required): the callback's public URL
    std::string returnUrl;                   ///< return_url (optional): 303 here after success
    std::string templatesDir;                ///< templates (default: "templates" beside the file); absolute
    std::int64_t stateTtl = 600;             ///< state_ttl, seconds
    LivemodePolicy livemode = LivemodePolicy::Any; ///< livemode = any | live | test
    std::string appName;                     ///< app_name (default: app_id)
    std::vector<std::string> permissions;    ///< permissions: ";"-separated lines shown on the page

    // [database]
    std::string dbConnector = "sqlite";      ///< connector: "sqlite" or "postgresql"
    /// connection (required): the SQLite file, absolute; or, for postgresql,
    /// a libpq conninfo as written (may hold a password: never log it raw)
    std::string dbConnection;
    std::string dbPassword;                  ///< from password_file (postgresql only); secret, "" = none
    int dbBusyTimeoutMs = 5000;              ///< busy_timeout_ms

    // [notify] (optional): tell the app's backend about install changes
    std::string notifyUrl;                   ///< url: https (http only on loopback); exclusive with command
    std::string notifySecret;                ///< secret: signs each POST (Stripe-Signature); required with url; secret
    std::string notifyCommand;               ///< command: absolute path of a program run per notification
    int notifyTimeoutMs = 10000;             ///< timeout_ms: per delivery, 100 to 600000
    std::string notifyCaFile;                ///< ca_file: extra CA bundle (PEM) for url; absolute; "" = none
    /// True when notifications are written to the outbox and delivered.
    bool notifyEnabled() const { return !notifyUrl.empty() || !notifyCommand.empty(); }

    // [admin] (optional): the admin page
    std::string adminPasswordHash;           ///< password_hash: pbkdf2-sha256$…; "" = admin page off
    std::string adminSessionSecret;          ///< session_secret: signs sessions; secret; "" = derived from the hash

    std::string sourcePath;                  ///< the file this came from (for messages)
};

/// A configuration problem. The message names the file and the key
/// (`[section] key`) and says what is expected. All problems found are
/// listed, one per line, so a merchant fixes them in one go. Each problem
/// reads "<file>:<line>: …" when it points at a line, else "<file>: …".
/// No message ever contains a secret's value, even a malformed one.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::vector<std::string>& problems);
    const std::vector<std::string>& problems() const { return _problems; }

private:
    std::vector<std::string> _problems;
};

/// Reads an environment variable; injected so tests control it.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup processEnvironment();

/// Loads and validates the file at `path`. Environment variables override
/// the file: STRIPE_APP_SECRETS and STRIPE_WEBHOOK_SECRETS (comma-separated),
/// and STRIPE_API_KEY (one key; else [stripe] api_key_file or api_key).
/// Without them, secrets come from [stripe] app_secrets_file /
/// webhook_secrets_file (commas or newlines between secrets; relative paths
/// beside the INI file) or [stripe] app_secrets / webhook_secrets.
/// Unknown sections or keys are refused (a typo must not silently fall back
/// to a default), and so are repeated keys, '#' lines (';' starts a comment
/// in this format) and lines without '='. An empty value counts as unset.
/// The file itself is only read, never checked against the disk further
/// (templates and the database folder are checked where they are used).
/// Throws ConfigError.
AppConfig loadAppConfig(const std::string& path, const EnvLookup& env);

/// The configuration path: `--config` if given, else STRIPE_INSTALL_CONFIG,
/// else "stripe-install.ini" beside the program when that file exists.
/// `programPath` should be the executable's real path (e.g. /proc/self/exe);
/// a bare name without a folder is not searched for. Throws ConfigError
/// explaining the three ways when none applies.
std::string resolveConfigPath(const std::optional<std::string>& fromCommandLine, const EnvLookup& env,
                              const std::string& programPath);

} // namespace si
