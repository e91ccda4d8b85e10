#pragma once
// [notify] url: notifications POSTed over HTTP(S) (Poco Net, NetSSL), in
// the network module stripe-install-net.so. The program makes one through
// makeNotificationSender (transport/NotificationDelivery.h).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <Poco/AutoPtr.h>

#include "core/Outbox.h"

namespace Poco::Net {
class Context;
}

namespace si {

/// POSTs the entry's JSON body to an http(s) URL with a `Stripe-Signature`
/// header signed at the moment of sending with the [notify] secret, so the
/// receiver verifies it with Stripe's libraries (tolerance included). Any
/// 2xx is delivered; anything else (3xx included: redirects are not
/// followed), a refused connection, TLS failure or timeout is a failed
/// attempt whose error names the cause and never the secret.
class HttpNotificationSender : public NotificationSender {
public:
    /// Throws std::invalid_argument when `url` is not http(s)://host…, the
    /// secret is empty, or TLS cannot be set up (e.g. an unreadable `caFile`).
    HttpNotificationSender(std::string url, std::string secret, int timeoutMs,
                           std::function<std::int64_t()> clock, std::string caFile = "");
    ~HttpNotificationSender() override;

    DeliveryAttempt deliver(const OutboxEntry& entry) override;

private:
    std::string _url;
    std::string _secret;
    int _timeoutMs;
    std::function<std::int64_t()> _clock;
    bool _https = false;
    std::string _host;
    unsigned short _port = 0;
    std::string _target; ///< path and query
    Poco::AutoPtr<Poco::Net::Context> _context;
};

} // namespace si
