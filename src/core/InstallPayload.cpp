#include "core/InstallPayload.h"

#include "core/Json.h"

namespace si {
namespace {

std::string payloadWithState(const char* stateJson, const InstallFields& fields)
{
    std::string out = "{";
    if (stateJson) {
        out += "\"state\":";
        out += stateJson;
        out += ',';
    }
    out += "\"user_id\":";
    appendJsonString(out, fields.userId);
    out += ",\"account_id\":";
    appendJsonString(out, fields.accountId);
    out += '}';
    return out;
}

} // namespace

std::string installPayloadJson(const InstallFields& fields)
{
    if (!fields.state)
        return payloadWithState("null", fields);
    return payloadWithState(jsonQuote(*fields.state).c_str(), fields);
}

std::vector<std::string> installPayloadCandidates(const InstallFields& fields)
{
    if (fields.state)
        return {installPayloadJson(fields)};
    return {payloadWithState("null", fields), payloadWithState(nullptr, fields),
            payloadWithState("\"\"", fields)};
}

} // namespace si
