#pragma once
#include <string>

namespace si {

/// Stripe's install link:
/// `{base}/{app_id}?redirect_uri={redirect_uri}&state={state}`, every part
/// percent-encoded. `base` is configurable (the local stand-in uses its own).
std::string buildInstallLink(const std::string& base, const std::string& appId,
                             const std::string& redirectUri, const std::string& state);

/// `url` with `name=value` pairs appended to its query (percent-encoded),
/// keeping any query it already has. Used for return_url.
std::string appendQueryParameter(const std::string& url, const std::string& name, const std::string& value);

} // namespace si
