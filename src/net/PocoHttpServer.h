#pragma once
// The plain HTTP server of `stripe-install serve` (Poco Net's HTTPServer), in
// the network module: HTTP in, HttpRequest to the program's handler,
// HttpResponse out. The program side is transport/DevServer.
#include <memory>
#include <string>

#include "modules/NetModule.h"

namespace si::net {

/// Listens on host:port and serves with up to 16 threads, each with its
/// own HttpExchange. Throws Poco::Exception when it cannot listen.
std::unique_ptr<HttpServer> startPocoHttpServer(const std::string& host, unsigned short port,
                                                HttpExchangeFactory exchanges);

} // namespace si::net
