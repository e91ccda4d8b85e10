#pragma once
#include <optional>
#include <string>
#include <vector>

namespace si {

/// What Stripe signs in an install_signature: the fields of the callback.
struct InstallFields {
    std::optional<std::string> state; ///< absent when the callback has no `state`
    std::string userId;
    std::string accountId;
};

/// The signed JSON `{"state":…,"user_id":…,"account_id":…}`, compact, keys in
/// that order, byte for byte as JSON.stringify / Ruby's JSON.dump write it.
/// An absent state is written as `"state":null` (Ruby's form).
std::string installPayloadJson(const InstallFields& fields);

/// Every payload a genuine signature may cover. With a state: just one. With
/// none, Stripe's documents do not say, and three forms are seen in the wild:
/// `"state":null` (Ruby), the key omitted (JavaScript), and `"state":""`.
/// Each needs the secret to produce, so accepting any of them is safe.
std::vector<std::string> installPayloadCandidates(const InstallFields& fields);

} // namespace si
