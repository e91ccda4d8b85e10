#pragma once
#include "transport/Runtime.h"

namespace si {

/// Serves web requests until told to stop: the libfcgi accept loop with
/// `threads` threads when stdin is a FastCGI socket, otherwise exactly one
/// plain CGI request from the environment, stdin and stdout. On SIGTERM (or
/// SIGINT/SIGUSR1) the request in hand is finished and the process exits
/// promptly, without waiting for another request. Returns the exit code.
int serveFastCgiOrCgi(Runtime& runtime, int threads);

/// True when stdin is not a FastCGI listening socket (plain CGI).
bool runningAsCgi();

} // namespace si
