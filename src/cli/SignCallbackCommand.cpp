#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "core/InstallPayload.h"
#include "core/SignatureHeader.h"
#include "core/Text.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install sign-callback --user-id U --account-id A [options]

Makes the redirect Stripe sends after an install, signed with an app signing
secret, for testing the callback page or verify-callback by hand. Signs
{"state":...,"user_id":...,"account_id":...} (compact, in that order; "state":null
when there is no state) as install_signature = t=<unix seconds>,v1=<hex>.

Prints the query string (or, with --base, the whole URL) form-encoded exactly as
the redirect carries it: user_id, account_id, state, install_signature, then
livemode=false in test mode.

Options:
  --secret S       the app signing secret (absec_...) to sign with. Without it,
                   the first of STRIPE_APP_SECRETS (comma-separated) is used.
  --user-id U      the Stripe user who installed (usr_...). Required.
  --account-id A   the Stripe account the app was installed on (acct_...). Required.
  --state S        the state the install link carried (may be empty). Without it
                   the URL has no state parameter, as when the link had none.
  --at UNIX        sign as of this Unix time instead of now (to make old or
                   future-dated signatures).
  --test-mode      append livemode=false, as for a test-mode or sandbox install.
  --base URL       the redirect URI to put the query on (e.g.
                   https://example.com/callback/stripe); without it only the
                   query string is printed.
  --help           this text.
Exit codes: 0 printed, 2 usage error.
)";

/// Form encoding as browsers and Stripe's redirects write it: RFC 3986's
/// unreserved characters stay, a space becomes '+', everything else %XX.
std::string formEncode(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const std::string_view ch = text.substr(i, 1);
        out += ch == " " ? std::string("+") : percentEncode(ch);
    }
    return out;
}

std::string requireText(const std::optional<std::string>& value, const std::string& option, bool allowEmpty)
{
    if (!value)
        throw UsageError(option + " is required");
    if (!allowEmpty && value->empty())
        throw UsageError(option + " must not be empty");
    if (!isValidUtf8(*value))
        throw UsageError(option + " must be valid UTF-8 text");
    return *value;
}

/// `base` with `query` added: after an existing query with '&', else after
/// '?', and before any #fragment.
std::string withQuery(const std::string& base, const std::string& query)
{
    const std::size_t hash = base.find('#');
    const std::string beforeFragment = base.substr(0, hash);
    const std::string fragment = hash == std::string::npos ? "" : base.substr(hash);
    std::string url = beforeFragment;
    if (url.find('?') == std::string::npos)
        url += '?';
    else if (url.back() != '?' && url.back() != '&')
        url += '&';
    return url + query + fragment;
}

} // namespace

int signCallbackCommand(const std::vector<std::string>& words);

static const CommandRegistration registration{
    "sign-callback", "make a signed callback URL, as Stripe would, for testing", &signCallbackCommand};

int signCallbackCommand(const std::vector<std::string>& words)
{
    std::optional<std::string> secret, userId, accountId, state, base;
    std::int64_t at = static_cast<std::int64_t>(std::time(nullptr));
    bool testMode = false;
    InstallFields fields;
    try {
        Arguments args(words);
        auto once = [](std::optional<std::string>& slot, std::optional<std::string> value, const char* name) {
            if (slot)
                throw UsageError(std::string(name) + " given twice");
            slot = std::move(value);
        };
        while (!args.done()) {
            if (args.flag("--help") || args.flag("-h")) {
                std::cout << kHelp;
                return 0;
            }
            if (auto value = args.option("--secret")) {
                once(secret, value, "--secret");
            } else if (auto value = args.option("--user-id")) {
                once(userId, value, "--user-id");
            } else if (auto value = args.option("--account-id")) {
                once(accountId, value, "--account-id");
            } else if (auto value = args.option("--state")) {
                once(state, value, "--state");
            } else if (auto value = args.option("--base")) {
                once(base, value, "--base");
            } else if (auto value = args.option("--at")) {
                at = parseInteger(*value, "--at");
                if (at < 0)
                    throw UsageError("--at must not be negative");
            } else if (args.flag("--test-mode")) {
                testMode = true;
            } else if (args.peek().rfind("-", 0) == 0) {
                throw UsageError("unknown option " + args.peek());
            } else {
                throw UsageError("unexpected argument \"" + args.peek() + "\": every value goes with an option");
            }
        }
        if (!secret)
            if (const char* env = std::getenv("STRIPE_APP_SECRETS"))
                if (auto listed = splitCommaList(env); !listed.empty())
                    secret = listed.front();
        if (!secret || secret->empty())
            throw UsageError("give --secret S or set STRIPE_APP_SECRETS");
        fields.userId = requireText(userId, "--user-id", false);
        fields.accountId = requireText(accountId, "--account-id", false);
        if (state)
            fields.state = requireText(state, "--state", true);
        if (base && base->empty())
            throw UsageError("--base must not be empty");
    } catch (const UsageError& e) {
        std::cerr << "sign-callback: " << e.what() << "\n(see stripe-install sign-callback --help)\n";
        return 2;
    }

    const std::string signature = signStripeStyle(installPayloadJson(fields), *secret, at);
    std::string query = "user_id=" + formEncode(fields.userId) + "&account_id=" + formEncode(fields.accountId);
    if (fields.state)
        query += "&state=" + formEncode(*fields.state);
    query += "&install_signature=" + formEncode(signature);
    if (testMode)
        query += "&livemode=false";
    std::cout << (base ? withQuery(*base, query) : query) << "\n";
    return 0;
}

} // namespace si::cli
