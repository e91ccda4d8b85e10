// POST /webhook: Stripe's deliveries (the reference's "Revoking access").
// The raw body is verified before anything parses it.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "core/Json.h"
#include "core/SignatureVerifier.h"
#include "http/App.h"

namespace si {
namespace {

std::string jsonError(const std::string& code, const std::string& message)
{
    return "{\"error\":{\"code\":" + jsonQuote(code) + ",\"message\":" + jsonQuote(message) + "}}";
}

/// The fields the store needs, or an error message when the JSON lacks them.
std::optional<WebhookEvent> readEvent(const std::string& body, std::string& problem, std::string& detail)
{
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
        WebhookEvent event;
        event.id = root->optValue<std::string>("id", "");
        event.type = root->optValue<std::string>("type", "");
        event.accountId = root->optValue<std::string>("account", "");
        event.livemode = root->optValue<bool>("livemode", true);
        event.created = root->optValue<Poco::Int64>("created", 0);
        if (event.id.empty() || event.type.empty()) {
            problem = "the event has no id or type";
            return std::nullopt;
        }
        return event;
    } catch (const Poco::Exception& e) {
        // Poco's text quotes raw bytes of the body: it goes to the log only
        // (through logSafe), never into the JSON answer.
        problem = "the body is not a JSON event";
        detail = e.displayText();
    } catch (const std::exception& e) {
        problem = "the body is not a JSON event";
        detail = e.what();
    }
    return std::nullopt;
}

} // namespace

HttpResponse App::webhook(const HttpRequest& request)
{
    using Body = HttpRequest::BodyProblem;
    if (request.bodyProblem == Body::TooLarge) {
        _log.warn("webhook_refused", {{"cause", "body larger than 64 KiB"}});
        return jsonResponse(413, jsonError("body_too_large", "The body is larger than 64 KiB."));
    }
    if (request.bodyProblem == Body::BadLength) {
        _log.warn("webhook_refused", {{"cause", "missing or invalid Content-Length"}});
        return jsonResponse(400, jsonError("bad_content_length", "A valid Content-Length is required."));
    }

    SignaturePolicy policy;
    policy.secrets = _config.webhookSecrets;
    policy.now = _clock();
    policy.toleranceSeconds = _config.signatureTolerance;
    const SignatureCheck check = verifySignature(request.body, request.header("stripe-signature").value_or(""), policy);
    if (!check.ok()) {
        _log.warn("webhook_refused", {{"reason", toCode(check.error)}, {"detail", toString(check.error)}});
        const int status = check.error == SignatureError::NoSecretConfigured ? 503 : 400;
        return jsonResponse(status, jsonError(toCode(check.error), toString(check.error)));
    }

    std::string problem, detail;
    const auto event = readEvent(request.body, problem, detail);
    if (!event) {
        _log.warn("webhook_refused", {{"reason", "bad_json"}, {"detail", problem + (detail.empty() ? "" : ": " + detail)}});
        return jsonResponse(400, jsonError("bad_json", problem));
    }

    const WebhookEffect effect = _store.applyWebhookEvent(*event, _clock());
    _log.info("webhook", {{"event", event->id}, {"type", event->type}, {"account", event->accountId},
                          {"outcome", toCode(effect)}});
    return jsonResponse(200, "{\"received\":true,\"effect\":" + jsonQuote(toCode(effect)) + "}");
}

} // namespace si
