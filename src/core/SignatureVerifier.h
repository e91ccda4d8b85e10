#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace si {

/// Why a signature was not accepted. Each is an expected outcome, not a fault.
enum class SignatureError {
    None,
    NoSecretConfigured, ///< nothing to verify against: a configuration problem
    NoHeader,           ///< the header (or install_signature) is missing or empty
    NoTimestamp,        ///< no readable `t=<unix seconds>`
    NoV1Signature,      ///< no `v1=` part (a `v0` alone does not count)
    NoMatch,            ///< no `v1` equals the HMAC of the payload under any secret
    TooOld,             ///< signed more than `tolerance` seconds before now
    TooFarInFuture,     ///< signed more than `tolerance` seconds after now
};

/// A message that says what to fix. Each starts with stripe-node's own wording
/// for the same failure, so it can be matched against Stripe's.
std::string toString(SignatureError error);

/// A short stable code for logs and JSON (`no_match`, `too_old`, …).
std::string toCode(SignatureError error);

inline std::ostream& operator<<(std::ostream& out, SignatureError error) { return out << toCode(error); }

struct SignatureCheck {
    SignatureError error = SignatureError::None;
    std::int64_t timestamp = 0;    ///< the header's `t`, when there was one
    std::size_t secretIndex = 0;   ///< which secret matched (0 = current)
    std::size_t payloadIndex = 0;  ///< which candidate payload matched
    bool ok() const { return error == SignatureError::None; }
};

/// What to verify against and when. `now` is passed in so tests set the clock.
struct SignaturePolicy {
    std::vector<std::string> secrets; ///< several during a rotation; first is current
    std::int64_t now = 0;             ///< Unix seconds
    std::int64_t toleranceSeconds = 300; ///< 0 or less: no age limit (as Stripe)
};

/// Verifies `header` over `payload` as Stripe's libraries verify a
/// `Stripe-Signature` header: HMAC-SHA256 of "<t>.<payload>", lower-case hex,
/// any `v1` may match under any secret, compared in constant time; then the
/// timestamp must be at most `tolerance` seconds old. One deliberate addition:
/// a timestamp more than `tolerance` seconds in the future is refused too
/// (stripe-node accepts it), so a signature cannot be made to live longer.
SignatureCheck verifySignature(std::string_view payload, std::string_view header,
                               const SignaturePolicy& policy);

/// As above, accepting a signature over any one of `payloads`: for callbacks
/// whose signed JSON has several forms seen in the wild.
SignatureCheck verifySignatureOverAny(const std::vector<std::string>& payloads,
                                      std::string_view header, const SignaturePolicy& policy);

} // namespace si
