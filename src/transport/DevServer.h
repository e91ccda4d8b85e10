#pragma once
#include <string>

#include "transport/Runtime.h"

namespace si {

/// A standalone HTTP server for local use: `stripe-install serve`. The server
/// itself (Poco Net) is in the network module; each of its threads answers
/// through a Worker. Serves until SIGINT/SIGTERM; returns the exit code.
/// Throws ModuleError when the network module is missing, std::exception
/// when it cannot listen on host:port.
int serveHttp(Runtime& runtime, const std::string& host, unsigned short port);

} // namespace si
