#pragma once
// The one HTTP(S) client set-up of the network module, shared by the Stripe
// API client and the [notify] url sender.
#include <memory>
#include <string>

#include <Poco/AutoPtr.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

namespace si::net {

/// A client context that verifies the peer's certificate and host name
/// against the system's CAs plus `caFile` (PEM; "" for none), TLS 1.2 at
/// least. Initializes Poco's SSL once per process. Throws Poco::Exception
/// (e.g. an unreadable `caFile`).
Poco::AutoPtr<Poco::Net::Context> verifyingClientContext(const std::string& caFile);

/// A session to host:port, HTTPS through `context` when `https`, with
/// `timeoutMs` for connecting and for each read and write.
std::unique_ptr<Poco::Net::HTTPClientSession> clientSession(bool https, const std::string& host, unsigned short port,
                                                            const Poco::AutoPtr<Poco::Net::Context>& context,
                                                            int timeoutMs);

} // namespace si::net
