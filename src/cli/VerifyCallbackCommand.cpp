#include <ctime>
#include <iostream>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "core/InstallCallback.h"
#include "core/Text.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install verify-callback [options] 'URL-or-query'

Checks a callback from Stripe's install link by hand, exactly as the page does:
reads the query (a full redirect URL or just its query string), and verifies
install_signature over {"state":...,"user_id":...,"account_id":...}.

Prints "valid" and the decoded fields (exit 0), or "invalid: <reason>" (exit 1).

Options:
  --secret S       an app signing secret (absec_...); repeat for several during a
                   rotation. Without any, STRIPE_APP_SECRETS (comma-separated) is
                   used.
  --at UNIX        verify as of this Unix time instead of now (for old URLs).
  --tolerance N    accept signatures up to N seconds old or in the future
                   (default 300; 0 turns the age check off).
  --help           this text.
Exit codes: 0 valid, 1 invalid, 2 usage error.
)";

} // namespace

int verifyCallbackCommand(const std::vector<std::string>& words);

static const CommandRegistration registration{
    "verify-callback", "check a callback URL's install_signature by hand", &verifyCallbackCommand};

int verifyCallbackCommand(const std::vector<std::string>& words)
{
    SignaturePolicy policy;
    policy.now = static_cast<std::int64_t>(std::time(nullptr));
    std::optional<std::string> input;
    try {
        Arguments args(words);
        while (!args.done()) {
            if (args.flag("--help") || args.flag("-h")) {
                std::cout << kHelp;
                return 0;
            }
            if (auto secret = args.option("--secret")) {
                if (secret->empty())
                    throw UsageError("--secret must not be empty");
                policy.secrets.push_back(*secret);
            } else if (auto at = args.option("--at")) {
                policy.now = parseInteger(*at, "--at");
            } else if (auto tolerance = args.option("--tolerance")) {
                policy.toleranceSeconds = parseInteger(*tolerance, "--tolerance");
            } else if (args.peek().rfind("--", 0) == 0) {
                throw UsageError("unknown option " + args.peek());
            } else if (input) {
                throw UsageError("give exactly one URL or query string");
            } else {
                input = args.take();
            }
        }
        if (!input)
            throw UsageError("give the callback URL or query string to check");
    } catch (const UsageError& e) {
        std::cerr << "verify-callback: " << e.what() << "\n(see stripe-install verify-callback --help)\n";
        return 2;
    }
    if (policy.secrets.empty())
        if (const char* env = std::getenv("STRIPE_APP_SECRETS"))
            policy.secrets = splitCommaList(env);

    const InstallCallback callback = readInstallCallback(queryOf(*input));
    switch (callback.kind) {
    case InstallCallback::Kind::Malformed:
        std::cout << "invalid: " << callback.problem << "\n";
        return 1;
    case InstallCallback::Kind::Cancelled:
        std::cout << "invalid: the user cancelled the install (error=" << logSafe(callback.error)
                  << ", error_description=" << logSafe(callback.errorDescription, 200) << ")\n";
        return 1;
    case InstallCallback::Kind::Install:
        break;
    }
    const SignatureCheck check = verifyInstallSignature(callback, policy);
    if (!check.ok()) {
        std::cout << "invalid: " << toString(check.error) << "\n";
        return 1;
    }
    std::cout << "valid\n"
              << "state: " << (callback.fields.state ? logSafe(*callback.fields.state, 4096) : "(none)") << "\n"
              << "user_id: " << logSafe(callback.fields.userId, 4096) << "\n"
              << "account_id: " << logSafe(callback.fields.accountId, 4096) << "\n"
              << "livemode: " << (callback.livemode ? "true" : "false") << "\n"
              << "signed_at: " << check.timestamp << "\n"
              << "secret: " << (check.secretIndex == 0 ? "current" : "previous #" + std::to_string(check.secretIndex)) << "\n";
    return 0;
}

} // namespace si::cli
