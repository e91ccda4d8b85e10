#pragma once
#include <string>

#include "transport/Runtime.h"

namespace si {

/// A standalone HTTP server (Poco Net) for local use: `stripe-install serve`.
/// Serves until SIGINT/SIGTERM. `listen` is host:port. Returns the exit code.
int serveHttp(Runtime& runtime, const std::string& host, unsigned short port);


} // namespace si
