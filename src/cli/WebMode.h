#pragma once

namespace si::cli {

/// The program under a web server (no command): loads STRIPE_INSTALL_CONFIG
/// (or stripe-install.ini beside the program) and serves FastCGI, or one
/// plain CGI request. A configuration or template problem stops it with log
/// lines naming the file and key (and, under CGI, a plain 500 page).
int runWebMode();

/// True when the process was started as a CGI script (GATEWAY_INTERFACE set):
/// then argv may hold words of the query (RFC 3875 §4.4), never commands.
bool startedAsCgiScript();

} // namespace si::cli
