// The callback's query string (the redirect URI as Stripe or anyone calls
// it): queryOf, readInstallCallback and verifyInstallSignature.
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "core/HmacSha256.h"
#include "core/InstallCallback.h"
#include "core/InstallPayload.h"
#include "core/SignatureHeader.h"
#include "core/Text.h"

using namespace si;
using Kind = InstallCallback::Kind;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string_view query = queryOf(input);
    SI_FUZZ_CHECK(query.size() <= input.size(), "queryOf grew");
    SI_FUZZ_CHECK(query.find('#') == std::string_view::npos, logSafe(input));

    const InstallCallback callback = readInstallCallback(query);
    switch (callback.kind) {
    case Kind::Malformed:
        SI_FUZZ_CHECK(!callback.problem.empty() && isValidUtf8(callback.problem), logSafe(callback.problem));
        break;
    case Kind::Cancelled:
        // (An empty `error=` counts as a cancellation too: the page shown is the same.)
        SI_FUZZ_CHECK(isValidUtf8(callback.error) && isValidUtf8(callback.errorDescription), logSafe(input));
        break;
    case Kind::Install: {
        SI_FUZZ_CHECK(!callback.fields.userId.empty() && !callback.fields.accountId.empty(), logSafe(input));
        SI_FUZZ_CHECK(isValidUtf8(callback.fields.userId) && isValidUtf8(callback.fields.accountId) &&
                          isValidUtf8(callback.fields.state.value_or("")),
                      logSafe(input));
        // Every payload form is JSON that a signature can cover.
        const auto payloads = installPayloadCandidates(callback.fields);
        SI_FUZZ_CHECK(!payloads.empty(), logSafe(input));
        SI_FUZZ_CHECK(payloads.front() == installPayloadJson(callback.fields) || !callback.fields.state, logSafe(input));
        for (const std::string& payload : payloads)
            SI_FUZZ_CHECK(isValidUtf8(payload) && payload.front() == '{' && payload.back() == '}', logSafe(payload));

        SignaturePolicy policy;
        policy.secrets = {"absec_current", "absec_previous"};
        policy.now = 1'700'000'000;
        const SignatureCheck check = verifyInstallSignature(callback, policy);
        if (check.ok()) {
            SI_FUZZ_CHECK(check.payloadIndex < payloads.size() && check.secretIndex < policy.secrets.size(), "index");
            const std::string expected = hmacSha256Hex(policy.secrets[check.secretIndex],
                                                       std::to_string(check.timestamp) + "." + payloads[check.payloadIndex]);
            SI_FUZZ_CHECK(fuzz::contains(callback.installSignature, expected), logSafe(input));
        }
        // Signed properly, the same fields verify.
        InstallCallback genuine = callback;
        genuine.installSignature = signStripeStyle(payloads.front(), "absec_previous", policy.now - 10);
        const SignatureCheck good = verifyInstallSignature(genuine, policy);
        SI_FUZZ_CHECK(good.ok() && good.secretIndex == 1 && good.payloadIndex == 0, toCode(good.error));
        break;
    }
    }
    return 0;
}
