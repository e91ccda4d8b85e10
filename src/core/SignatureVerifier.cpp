#include "core/SignatureVerifier.h"

#include "core/HmacSha256.h"
#include "core/SignatureHeader.h"

namespace si {

std::string toString(SignatureError error)
{
    switch (error) {
    case SignatureError::None:
        return "Signature verified";
    case SignatureError::NoSecretConfigured:
        return "No signing secret is configured: set the app's signing secret "
               "(app_secrets / STRIPE_APP_SECRETS, or webhook_secrets / STRIPE_WEBHOOK_SECRETS)";
    case SignatureError::NoHeader:
        return "No stripe-signature header value was provided: the request carries no "
               "signature (install_signature or Stripe-Signature)";
    case SignatureError::NoTimestamp:
        return "Unable to extract timestamp and signatures from header: expected "
               "t=<unix seconds>,v1=<hex>";
    case SignatureError::NoV1Signature:
        return "No signatures found with expected scheme: the header has no v1= signature";
    case SignatureError::NoMatch:
        return "No signatures found matching the expected signature for payload: are you "
               "verifying the raw, unmodified payload with the right signing secret?";
    case SignatureError::TooOld:
        return "Timestamp outside the tolerance zone: the signature is older than the "
               "tolerance (a replayed or delayed request, or this server's clock is wrong)";
    case SignatureError::TooFarInFuture:
        return "Timestamp outside the tolerance zone: the signature is dated too far in the "
               "future (check this server's clock)";
    }
    return "Unknown signature error";
}

std::string toCode(SignatureError error)
{
    switch (error) {
    case SignatureError::None: return "ok";
    case SignatureError::NoSecretConfigured: return "no_secret_configured";
    case SignatureError::NoHeader: return "no_signature";
    case SignatureError::NoTimestamp: return "no_timestamp";
    case SignatureError::NoV1Signature: return "no_v1_signature";
    case SignatureError::NoMatch: return "no_match";
    case SignatureError::TooOld: return "too_old";
    case SignatureError::TooFarInFuture: return "too_far_in_future";
    }
    return "unknown";
}

SignatureCheck verifySignatureOverAny(const std::vector<std::string>& payloads,
                                      std::string_view header, const SignaturePolicy& policy)
{
    SignatureCheck check;
    if (policy.secrets.empty()) {
        check.error = SignatureError::NoSecretConfigured;
        return check;
    }
    if (header.empty()) {
        check.error = SignatureError::NoHeader;
        return check;
    }
    SignatureHeader parsed = parseSignatureHeader(header);
    if (!parsed.timestamp) {
        check.error = SignatureError::NoTimestamp;
        return check;
    }
    check.timestamp = *parsed.timestamp;
    if (parsed.v1Signatures.empty()) {
        check.error = SignatureError::NoV1Signature;
        return check;
    }

    // Try every combination without stopping early, so the time taken does
    // not tell an attacker which secret or payload came close.
    const std::string prefix = std::to_string(*parsed.timestamp) + ".";
    bool matched = false;
    for (std::size_t p = 0; p < payloads.size(); ++p) {
        const std::string signedText = prefix + payloads[p];
        for (std::size_t s = 0; s < policy.secrets.size(); ++s) {
            const std::string expected = hmacSha256Hex(policy.secrets[s], signedText);
            for (const std::string& candidate : parsed.v1Signatures) {
                if (constantTimeEquals(expected, candidate) && !matched) {
                    matched = true;
                    check.secretIndex = s;
                    check.payloadIndex = p;
                }
            }
        }
    }
    if (!matched) {
        check.error = SignatureError::NoMatch;
        return check;
    }

    // Stripe checks the age only after a match, so a forged request is
    // reported as forged, not as late.
    if (policy.toleranceSeconds > 0) {
        const std::int64_t age = policy.now - *parsed.timestamp;
        if (age > policy.toleranceSeconds)
            check.error = SignatureError::TooOld;
        else if (-age > policy.toleranceSeconds)
            check.error = SignatureError::TooFarInFuture;
    }
    return check;
}

SignatureCheck verifySignature(std::string_view payload, std::string_view header,
                               const SignaturePolicy& policy)
{
    return verifySignatureOverAny({std::string(payload)}, header, policy);
}

} // namespace si
