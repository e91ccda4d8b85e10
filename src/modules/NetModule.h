#pragma once
// The network module, stripe-install-net.so (built from src/net/): all the
// code that needs Poco Net, NetSSL, Crypto and OpenSSL, so that the program
// links none of them and a plain-CGI request does not pay for loading them.
// Loaded on first use: by a Stripe API call (the `api` and `installs sync`
// commands, the success page's account name), a [notify] url delivery, or
// the `serve` command.
//
// The interface is C++ (the module is built with the program, by the same
// compiler, and linked to the same libstdc++); the one C entry point,
// si_net_module, returns the table below, and si_net_abi_version makes
// the program refuse a module from another version. Raise kNetModuleAbiVersion
// whenever NetModule or a type it passes changes.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/Outbox.h"
#include "http/HttpTypes.h"
#include "stripe/StripeApi.h"

namespace si::net {

inline constexpr const char* kNetModuleFile = "stripe-install-net.so";
inline constexpr int kNetModuleAbiVersion = 1;

/// Reads up to `size` body bytes into `buffer`; returns how many (0 at end).
using BodyReader = std::function<std::size_t(char* buffer, std::size_t size)>;

/// What answers the requests of one thread of the module's HTTP server (the
/// program's Worker is behind it). Never throws.
class HttpExchange {
public:
    virtual ~HttpExchange() = default;
    /// Answers `request`, whose headers are filled and whose body is read
    /// through `body`.
    virtual HttpResponse handle(HttpRequest request, const BodyReader& body) = 0;
    /// Called once the response has been sent.
    virtual void afterResponse() = 0;
};

/// Makes the HttpExchange of a new server thread.
using HttpExchangeFactory = std::function<std::unique_ptr<HttpExchange>()>;

/// A running HTTP server; destroying it stops it after the requests in progress.
class HttpServer {
public:
    virtual ~HttpServer() = default;
    /// The port it listens on (the one chosen when 0 was asked for).
    virtual unsigned short port() const = 0;
};

/// What the module provides.
struct NetModule {
    /// The HTTPS client of Stripe's API (net/StripeApiClient.h).
    std::unique_ptr<StripeApi> (*stripeApi)(StripeApiSettings settings, StripeApiNotice notice);
    /// [notify] url: signed POSTs (net/HttpNotificationSender.h). Throws
    /// std::invalid_argument when it cannot be set up.
    std::unique_ptr<NotificationSender> (*httpNotificationSender)(std::string url, std::string secret, int timeoutMs,
                                                                 std::function<std::int64_t()> clock,
                                                                 std::string caFile);
    /// A plain HTTP server (Poco HTTPServer) on host:port, one HttpExchange
    /// per thread. Throws std::exception when it cannot listen.
    std::unique_ptr<HttpServer> (*startHttpServer)(const std::string& host, unsigned short port,
                                                   HttpExchangeFactory exchanges);
};

/// The module, loaded on first use (thread-safe; a failed load is tried
/// again next time). Throws ModuleError (modules/ModuleLoader.h) naming the
/// file: "Network support is not installed: stripe-install-net.so was not found …".
const NetModule& module();

} // namespace si::net
