#pragma once
#include <functional>
#include <optional>
#include <string>

namespace si {

/// The name to greet a freshly installed account by on the success page
/// (its Stripe display name), or nothing. Must return quickly and never
/// throw: the page shows without a name rather than wait or fail.
using AccountNameLookup = std::function<std::optional<std::string>(const std::string& accountId)>;

} // namespace si
