// The Stripe-Signature header (and install_signature): parseSignatureHeader,
// verifySignature and signStripeStyle.
// Input: the header, a NUL, then the payload (no NUL: an empty payload).
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "core/HmacSha256.h"
#include "core/SignatureHeader.h"
#include "core/SignatureVerifier.h"
#include "core/Text.h"

using namespace si;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = input.find('\0');
    const std::string_view header = input.substr(0, nul);
    const std::string_view payload = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

    const SignatureHeader parsed = parseSignatureHeader(header);
    if (parsed.timestamp)
        SI_FUZZ_CHECK(*parsed.timestamp >= 0, std::to_string(*parsed.timestamp));
    for (const std::string& v1 : parsed.v1Signatures)
        SI_FUZZ_CHECK(fuzz::contains(header, v1), logSafe(v1));

    SignaturePolicy policy;
    policy.secrets = {"whsec_current", "whsec_previous"};
    policy.now = parsed.timestamp.value_or(1'700'000'000);
    const SignatureCheck check = verifySignature(payload, header, policy);
    SI_FUZZ_CHECK(!toString(check.error).empty() && fuzz::isLogSafe(toCode(check.error)), toCode(check.error));
    if (check.ok()) {
        // Only a real HMAC under a configured secret is accepted.
        SI_FUZZ_CHECK(check.secretIndex < policy.secrets.size(), std::to_string(check.secretIndex));
        const std::string expected = hmacSha256Hex(policy.secrets[check.secretIndex],
                                                   std::to_string(check.timestamp) + "." + std::string(payload));
        SI_FUZZ_CHECK(fuzz::contains(header, expected), logSafe(header));
    }
    // Nothing at all verifies without a secret.
    policy.secrets.clear();
    SI_FUZZ_CHECK(verifySignature(payload, header, policy).error == SignatureError::NoSecretConfigured, logSafe(header));

    // What we sign ourselves, we accept, whatever the payload; and the header is
    // tolerant of what the fuzzer appended to it (unknown parts are ignored).
    policy.secrets = {"whsec_current"};
    policy.now = 1'700'000'000;
    const std::string signedHeader = signStripeStyle(payload, "whsec_current", policy.now);
    const SignatureCheck own = verifySignature(payload, signedHeader, policy);
    SI_FUZZ_CHECK(own.ok() && own.timestamp == policy.now, toCode(own.error));
    // One byte more in the payload and it fails.
    const std::string tampered = std::string(payload) + "x";
    SI_FUZZ_CHECK(verifySignature(tampered, signedHeader, policy).error == SignatureError::NoMatch, "tampered");
    return 0;
}
