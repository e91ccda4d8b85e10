#include "core/InstallLink.h"

#include "core/Text.h"

namespace si {

std::string buildInstallLink(const std::string& base, const std::string& appId,
                             const std::string& redirectUri, const std::string& state)
{
    std::string link = base;
    while (!link.empty() && link.back() == '/')
        link.pop_back();
    link += "/" + percentEncode(appId) + "?redirect_uri=" + percentEncode(redirectUri);
    if (!state.empty())
        link += "&state=" + percentEncode(state);
    return link;
}

std::string appendQueryParameter(const std::string& url, const std::string& name, const std::string& value)
{
    std::string base = url, fragment;
    if (auto hash = base.find('#'); hash != std::string::npos) {
        fragment = base.substr(hash);
        base.resize(hash);
    }
    char separator = '?';
    if (base.find('?') != std::string::npos)
        separator = (base.back() == '?' || base.back() == '&') ? '\0' : '&';
    if (separator)
        base += separator;
    return base + percentEncode(name) + "=" + percentEncode(value) + fragment;
}

} // namespace si
