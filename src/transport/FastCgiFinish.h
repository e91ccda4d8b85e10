#pragma once
// Ending a FastCGI request without libfcgi's lingering close. Header-only so
// that bench/floor_fcgi.cpp ends its requests exactly as the program does.
#include <fcgiapp.h>

namespace si {

/// The most input a handler left unread that finishRequest reads (and drops)
/// to reach the end of a request; past it, libfcgi's lingering close drains
/// the rest as before.
constexpr int kMaxUnreadInput = 64 * 1024;

/// Finishes `request` as FCGX_Finish_r does, but closes a finished
/// connection at once.
///
/// On a connection the web server does not keep, libfcgi shuts its sending
/// side and then waits in poll() until the web server closes its end,
/// reading and dropping whatever arrives: input left unread when a socket is
/// closed makes the kernel reset the connection (TCP RST), and the web
/// server could lose the answer. That wait holds the thread for a turn of
/// the web server's event loop on every request (measured behind lighttpd:
/// about a third of the install page's throughput). Once the web server's
/// end-of-input record has been read there is nothing left to reset on: it
/// sends nothing more for this request, bar an abort if the visitor has gone
/// (moot once answered). So: read what input is left, and if its end came,
/// close at once (FCGX_Detach is libfcgi's only switch for a close without
/// shutdown(); FCGX_Free clears it again); otherwise libfcgi lingers as
/// before. A kept connection (FCGI_KEEP_CONN, nginx's fastcgi_keep_conn) is
/// never closed here: libfcgi handles it as before.
inline void finishRequest(FCGX_Request& request)
{
    if (!request.keepConnection && request.in) {
        char buffer[4096];
        int unread = 0;
        int n = 0;
        while (unread < kMaxUnreadInput && (n = FCGX_GetStr(buffer, sizeof buffer, request.in)) > 0)
            unread += n;
        if (FCGX_HasSeenEOF(request.in) && FCGX_GetError(request.in) == 0)
            FCGX_Detach(&request);
    }
    FCGX_Finish_r(&request);
}

} // namespace si
