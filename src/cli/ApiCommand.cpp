// `stripe-install api [--account acct_…] METHOD PATH [key=value…]`: one
// authenticated call to Stripe's API, the JSON answer printed as it came.
#include <algorithm>
#include <cctype>
#include <iostream>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "cli/LoadRuntime.h"
#include "modules/ModuleLoader.h"
#include "stripe/StripeApi.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install api [--account ACCOUNT_ID] METHOD PATH [key=value...]

Calls Stripe's API with your platform's secret key ([stripe] api_key,
api_key_file or the environment variable STRIPE_API_KEY) and prints the JSON
answer. With --account the call acts as that connected account (the
Stripe-Account header), which your app may do once the account installed it.

  METHOD       GET, POST or DELETE
  PATH         starts with /v1/, e.g. /v1/accounts/acct_123
  key=value    parameters: the query of GET and DELETE, the form body of
               POST; Stripe's nesting as is, e.g. metadata[order]=42 or
               expand[]=data.customer

Options:
  --account ACCOUNT_ID      act as this connected account (acct_...)
  --idempotency-key KEY     (POST) reuse this key instead of a fresh one, to
                            repeat a call safely
  --config FILE             the configuration
  --help                    this text

Examples:
  stripe-install api GET /v1/accounts/acct_1A2b3C4d
  stripe-install api --account acct_1A2b3C4d GET /v1/customers limit=3
  stripe-install api --account acct_1A2b3C4d POST /v1/customers email=a@example.com

The Stripe-Version sent is [stripe] api_version. Network errors, 409, 429 and
5xx answers are retried twice with backoff (Stripe-Should-Retry decides when
Stripe sends it); POSTs keep their Idempotency-Key across retries.
Exit status: 0 for a 2xx answer; 1 for an error answer or no answer (the
message is on stderr); 2 for a usage mistake.
)";

struct Options {
    std::optional<std::string> configPath;
    StripeRequest request;
    bool help = false;
};

Options parse(const std::vector<std::string>& words)
{
    Options options;
    std::vector<std::string> positional;
    Arguments args(words);
    while (!args.done()) {
        if (args.flag("--help") || args.flag("-h"))
            options.help = true;
        else if (auto value = args.option("--config"))
            options.configPath = *value;
        else if (auto value = args.option("--account"))
            options.request.account = *value;
        else if (auto value = args.option("--idempotency-key"))
            options.request.idempotencyKey = *value;
        else if (args.peek().rfind("--", 0) == 0)
            throw UsageError("unknown option " + args.peek());
        else
            positional.push_back(args.take());
    }
    if (options.help)
        return options;
    if (positional.size() < 2)
        throw UsageError("give METHOD and PATH, e.g. GET /v1/accounts/acct_123");
    std::string method = positional[0];
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    options.request.method = method;
    options.request.path = positional[1];
    if (const auto problem = checkStripeRequest(method, options.request.path))
        throw UsageError(*problem);
    if (!options.request.account.empty() && !looksLikeAccountId(options.request.account))
        throw UsageError("--account must be an account id like acct_1A2b3C4d");
    if (!options.request.idempotencyKey.empty() && method != "POST")
        throw UsageError("--idempotency-key applies to POST only");
    for (std::size_t i = 2; i < positional.size(); ++i) {
        const auto equals = positional[i].find('=');
        if (equals == std::string::npos || equals == 0)
            throw UsageError("parameters are key=value, not \"" + positional[i] + "\"");
        options.request.params.emplace_back(positional[i].substr(0, equals), positional[i].substr(equals + 1));
    }
    return options;
}

int apiCommand(const std::vector<std::string>& words)
{
    Options options;
    try {
        options = parse(words);
        if (options.help) {
            std::cout << kHelp;
            return 0;
        }
    } catch (const UsageError& e) {
        std::cerr << "api: " << e.what() << "\n(see stripe-install api --help)\n";
        return 2;
    }
    const auto config = loadConfigOrExplain(options.configPath, "api");
    if (!config)
        return 1;
    try {
        const auto client = connectStripeApi(StripeApiSettings::from(*config),
                                             [](const std::string& line) { std::cerr << line << "\n"; });
        const StripeResponse response = client->send(options.request);
        std::cout << response.body;
        if (!response.body.empty() && response.body.back() != '\n')
            std::cout << "\n";
        return 0;
    } catch (const StripeApiError& e) {
        std::cerr << "api: " << e.what() << "\n";
        return 1;
    } catch (const ModuleError& e) {
        std::cerr << "api: " << e.what() << "\n";
        return 1;
    }
}

const CommandRegistration registration{"api", "call Stripe's API with the secret key (optionally as an account)",
                                       &apiCommand};

} // namespace
} // namespace si::cli
