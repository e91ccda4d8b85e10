#include "core/StripeError.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "core/Text.h"

namespace si {
namespace {

std::string stringField(const Poco::JSON::Object::Ptr& object, const std::string& key)
{
    if (!object->has(key))
        return {};
    const Poco::Dynamic::Var value = object->get(key);
    return value.isString() ? value.extract<std::string>() : std::string();
}

/// Stripe's words come from outside: one line, no control characters, capped.
std::string oneLine(std::string text)
{
    for (char& c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F)
            c = ' ';
    }
    if (text.size() > 1000)
        text = text.substr(0, 1000) + "...";
    return text;
}

/// What the merchant can do about a status, when Stripe's words need help.
std::string hintFor(int status)
{
    switch (status) {
    case 401: return " - check [stripe] api_key, api_key_file or STRIPE_API_KEY (a secret key, sk_…)";
    case 403: return " - the key lacks this permission (a restricted key?) or the account did not grant it to the app";
    case 429: return " - too many requests: try again later";
    default: return "";
    }
}

} // namespace

std::optional<StripeErrorBody> parseStripeError(const std::string& body)
{
    try {
        Poco::JSON::Parser parser;
        const Poco::Dynamic::Var root = parser.parse(body);
        const auto object = root.extract<Poco::JSON::Object::Ptr>();
        if (!object || !object->isObject("error"))
            return std::nullopt;
        const auto error = object->getObject("error");
        StripeErrorBody parsed;
        parsed.type = stringField(error, "type");
        parsed.code = stringField(error, "code");
        parsed.declineCode = stringField(error, "decline_code");
        parsed.message = stringField(error, "message");
        parsed.param = stringField(error, "param");
        parsed.docUrl = stringField(error, "doc_url");
        return parsed;
    } catch (const Poco::Exception&) {
    } catch (const std::exception&) { // BadCastException is a Poco::Exception; keep any bad_cast out too
    }
    return std::nullopt;
}

std::string redactSecret(std::string text, const std::string& secret)
{
    if (secret.empty())
        return text;
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
        text.replace(at, secret.size(), "[redacted]");
    return text;
}

std::string describeStripeFailure(int status, const std::string& rawBody, const std::string& requestId,
                                  const std::string& secret)
{
    // Redacted first, so no cut below can leave part of the key behind.
    const std::string body = redactSecret(rawBody, secret);
    std::string message = "Stripe answered " + std::to_string(status);
    if (const auto error = parseStripeError(body)) {
        std::string kind = error->type;
        if (!error->code.empty())
            kind += (kind.empty() ? "" : ", ") + error->code;
        if (!error->declineCode.empty())
            kind += (kind.empty() ? "" : ", ") + error->declineCode;
        if (!kind.empty())
            message += " (" + kind + ")";
        message += ": " + (error->message.empty() ? std::string("no message") : error->message);
        if (!error->param.empty())
            message += " [param " + error->param + "]";
    } else {
        message += body.empty() ? " with an empty body"
                                : " with a body that is not Stripe's error JSON: \"" + logSafe(body, 200) + "\"";
    }
    message += hintFor(status);
    if (!requestId.empty())
        message += " [request " + requestId + "]";
    return oneLine(message);
}

} // namespace si
