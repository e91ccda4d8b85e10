#pragma once
// The store's writes as the shared writer carries them (SharedWriter.h):
// each request and its result as WriteFields, and back. Pure: a request
// decoded is the call it was made from, field for field.
#include "core/Stores.h"
#include "store/WriteFrames.h"

#include <cstdint>
#include <optional>
#include <string>

namespace si::handed {

/// The kinds of write, the first field of a request.
inline const std::string kSaveState = "save_state";
inline const std::string kConsume = "consume";
inline const std::string kWebhook = "webhook";

struct ConsumeCall {
    std::string tokenHash;
    std::string browserHash;
    std::int64_t now = 0;
    Install install; ///< accountId, userId and livemode
    bool notify = false; ///< the sender's StoreOptions::notifications
};

struct WebhookCall {
    WebhookEvent event;
    std::int64_t now = 0;
    bool notify = false; ///< the sender's StoreOptions::notifications
};

WriteFields saveStateRequest(const StateRecord& state);
WriteFields consumeRequest(const ConsumeCall& call);
WriteFields webhookRequest(const WebhookCall& call);

// Each throws WriteFrameError when the fields are not such a request.
StateRecord saveStateFrom(const WriteFields& request);
ConsumeCall consumeFrom(const WriteFields& request);
WebhookCall webhookFrom(const WriteFields& request);

WriteFields saveStateResult(const std::optional<std::string>& funnelProblem);
WriteFields consumeResult(const ConsumeResult& result);
WriteFields webhookResult(WebhookEffect effect);

// Each throws WriteFrameError when the fields are not such a result.
std::optional<std::string> saveStateResultFrom(const WriteFields& result);
ConsumeResult consumeResultFrom(const WriteFields& result);
WebhookEffect webhookResultFrom(const WriteFields& result);

} // namespace si::handed
