#include "core/InstallCallback.h"

#include "core/QueryString.h"

namespace si {

InstallCallback readInstallCallback(std::string_view rawQuery)
{
    InstallCallback callback;
    QueryString::Parsed parsed = QueryString::parse(rawQuery);
    if (!parsed.ok()) {
        callback.problem = parsed.error;
        return callback;
    }
    const QueryString& query = parsed.query;

    if (auto error = query.get("error")) {
        callback.kind = InstallCallback::Kind::Cancelled;
        callback.error = *error;
        callback.errorDescription = query.get("error_description").value_or("");
        return callback;
    }

    auto userId = query.get("user_id");
    auto accountId = query.get("account_id");
    if (!userId || userId->empty() || !accountId || accountId->empty()) {
        callback.problem = "the callback lacks user_id or account_id";
        return callback;
    }
    if (auto livemode = query.get("livemode")) {
        if (*livemode == "false")
            callback.livemode = false;
        else if (*livemode != "true") {
            callback.problem = "livemode must be true or false";
            return callback;
        }
    }
    callback.kind = InstallCallback::Kind::Install;
    callback.fields.userId = *userId;
    callback.fields.accountId = *accountId;
    callback.fields.state = query.get("state");
    callback.installSignature = query.get("install_signature").value_or("");
    return callback;
}

SignatureCheck verifyInstallSignature(const InstallCallback& callback, const SignaturePolicy& policy)
{
    return verifySignatureOverAny(installPayloadCandidates(callback.fields),
                                  callback.installSignature, policy);
}

std::string_view queryOf(std::string_view urlOrQuery)
{
    std::string_view text = urlOrQuery;
    if (auto hash = text.find('#'); hash != std::string_view::npos)
        text = text.substr(0, hash);
    if (auto question = text.find('?'); question != std::string_view::npos)
        text = text.substr(question + 1);
    return text;
}

} // namespace si
