// The FastCGI floor for `make bench`: a hello-world handler with the same
// accept loop as src/transport/FastCgiServer.cpp (libfcgi, one thread per
// STRIPE_INSTALL_THREADS, SIGTERM/SIGUSR1 wake accept(), each request ended
// by the same finishRequest), linked with the same libraries as
// stripe-install, behind the same server configuration. What it serves per
// second is the transport's ceiling: the install page and the callback are
// measured as a fraction of it.
#include <fcgiapp.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "transport/FastCgiFinish.h"

namespace {

std::atomic<bool> stopRequested{false};

void onStopSignal(int)
{
    stopRequested = true;
    FCGX_ShutdownPending();
    shutdown(0, SHUT_RDWR);
}

const char kPage[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Hello</title></head>"
    "<body><p>Hello from the FastCGI floor.</p></body></html>\n";

void acceptLoop()
{
    FCGX_Request request;
    FCGX_InitRequest(&request, 0, FCGI_FAIL_ACCEPT_ON_INTR);
    const std::string answer = "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
                               "Content-Length: " + std::to_string(sizeof kPage - 1) + "\r\n\r\n" + kPage;
    while (!stopRequested && FCGX_Accept_r(&request) == 0) {
        FCGX_PutStr(answer.data(), static_cast<int>(answer.size()), request.out);
        // Reads the request body (the webhook row posts one), as the program's does.
        si::finishRequest(request);
    }
    FCGX_Free(&request, 1);
}

} // namespace

int main()
{
    int threads = 1;
    if (const char* text = std::getenv("STRIPE_INSTALL_THREADS"))
        threads = std::max(1, std::min(64, std::atoi(text)));
    if (FCGX_IsCGI()) {
        std::fputs("Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n", stdout);
        std::fputs(kPage, stdout);
        return 0;
    }
    if (FCGX_Init() != 0)
        return 1;
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back(acceptLoop);
    acceptLoop();
    for (auto& thread : pool)
        thread.join();
    return 0;
}
