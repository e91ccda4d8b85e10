#include "store/HandedWrites.h"

#include <charconv>

namespace si::handed {
namespace {

std::string number(std::int64_t value)
{
    return std::to_string(value);
}

std::int64_t numberFrom(const std::string& text)
{
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || stop != end)
        throw WriteFrameError("not a number: a field of " + std::to_string(text.size()) + " bytes");
    return value;
}

bool flagFrom(const std::string& text)
{
    if (text != "0" && text != "1")
        throw WriteFrameError("not a flag (0 or 1)");
    return text == "1";
}

/// An enum's value, checked to be one of its `count` values.
template <class Enum>
Enum enumFrom(const std::string& text, int count)
{
    const std::int64_t value = numberFrom(text);
    if (value < 0 || value >= count)
        throw WriteFrameError("not a known outcome: " + text);
    return static_cast<Enum>(value);
}

void expect(const WriteFields& fields, std::size_t count, const std::string& kind = "")
{
    if (fields.size() != count || (!kind.empty() && fields.front() != kind))
        throw WriteFrameError("not a " + (kind.empty() ? std::string("result") : kind) + " of " +
                              std::to_string(count) + " fields");
}

} // namespace

WriteFields saveStateRequest(const StateRecord& state)
{
    return {kSaveState,           state.tokenHash,        state.browserHash, state.ref,
            number(state.createdAt), number(state.expiresAt), state.funnelMetric};
}

StateRecord saveStateFrom(const WriteFields& request)
{
    expect(request, 7, kSaveState);
    StateRecord state;
    state.tokenHash = request[1];
    state.browserHash = request[2];
    state.ref = request[3];
    state.createdAt = numberFrom(request[4]);
    state.expiresAt = numberFrom(request[5]);
    state.funnelMetric = request[6];
    return state;
}

WriteFields consumeRequest(const ConsumeCall& call)
{
    return {kConsume,
            call.tokenHash,
            call.browserHash,
            number(call.now),
            call.install.accountId,
            call.install.userId,
            call.install.livemode ? "1" : "0",
            call.notify ? "1" : "0"};
}

ConsumeCall consumeFrom(const WriteFields& request)
{
    expect(request, 8, kConsume);
    ConsumeCall call;
    call.tokenHash = request[1];
    call.browserHash = request[2];
    call.now = numberFrom(request[3]);
    call.install.accountId = request[4];
    call.install.userId = request[5];
    call.install.livemode = flagFrom(request[6]);
    call.notify = flagFrom(request[7]);
    return call;
}

WriteFields webhookRequest(const WebhookCall& call)
{
    const WebhookEvent& event = call.event;
    return {kWebhook, event.id, event.type, event.accountId, event.livemode ? "1" : "0", number(event.created),
            number(call.now), call.notify ? "1" : "0"};
}

WebhookCall webhookFrom(const WriteFields& request)
{
    expect(request, 8, kWebhook);
    WebhookCall call;
    call.event.id = request[1];
    call.event.type = request[2];
    call.event.accountId = request[3];
    call.event.livemode = flagFrom(request[4]);
    call.event.created = numberFrom(request[5]);
    call.now = numberFrom(request[6]);
    call.notify = flagFrom(request[7]);
    return call;
}

WriteFields saveStateResult(const std::optional<std::string>& funnelProblem)
{
    return {funnelProblem ? "1" : "0", funnelProblem.value_or("")};
}

std::optional<std::string> saveStateResultFrom(const WriteFields& result)
{
    expect(result, 2);
    if (!flagFrom(result[0]))
        return std::nullopt;
    return result[1];
}

WriteFields consumeResult(const ConsumeResult& result)
{
    const Install& install = result.install;
    return {number(static_cast<int>(result.outcome)),
            install.accountId,
            install.userId,
            install.livemode ? "1" : "0",
            install.ref,
            number(install.installedAt),
            number(install.updatedAt),
            install.revokedAt ? number(*install.revokedAt) : "",
            install.revokedBy,
            install.revokeEventId,
            install.source};
}

ConsumeResult consumeResultFrom(const WriteFields& result)
{
    expect(result, 11);
    ConsumeResult consumed;
    consumed.outcome = enumFrom<ConsumeOutcome>(result[0], static_cast<int>(ConsumeOutcome::OtherBrowser) + 1);
    Install& install = consumed.install;
    install.accountId = result[1];
    install.userId = result[2];
    install.livemode = flagFrom(result[3]);
    install.ref = result[4];
    install.installedAt = numberFrom(result[5]);
    install.updatedAt = numberFrom(result[6]);
    if (!result[7].empty())
        install.revokedAt = numberFrom(result[7]);
    install.revokedBy = result[8];
    install.revokeEventId = result[9];
    install.source = result[10];
    return consumed;
}

WriteFields webhookResult(WebhookEffect effect)
{
    return {number(static_cast<int>(effect))};
}

WebhookEffect webhookResultFrom(const WriteFields& result)
{
    expect(result, 1);
    return enumFrom<WebhookEffect>(result[0], static_cast<int>(WebhookEffect::Ignored) + 1);
}

} // namespace si::handed
