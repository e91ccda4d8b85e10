#include "transport/FastCgiServer.h"

#include <fcgiapp.h>
#include <malloc.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include "transport/CgiRequest.h"
#include "transport/FastCgiFinish.h"

extern char** environ;

namespace si {
namespace {

std::atomic<bool> stopRequested{false};

// Async-signal-safe: libfcgi alone would wait in accept() for one more
// request; shutting the listening socket down wakes every accepting thread.
void onStopSignal(int)
{
    stopRequested = true;
    FCGX_ShutdownPending();
    shutdown(0, SHUT_RDWR);
}

void installStopHandlers()
{
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: accept() must return EINTR
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr); // what mod_fcgid and lighttpd send on graceful stop
    signal(SIGPIPE, SIG_IGN);              // a client gone mid-answer is not a reason to die
}

/// One FCGX_Request behind RAII, so every exit path finishes it.
class FastCgiRequest {
public:
    FastCgiRequest() { FCGX_InitRequest(&_raw, 0, FCGI_FAIL_ACCEPT_ON_INTR); }
    ~FastCgiRequest() { FCGX_Free(&_raw, 1); }
    FastCgiRequest(const FastCgiRequest&) = delete;
    FastCgiRequest& operator=(const FastCgiRequest&) = delete;
    FCGX_Request* raw() { return &_raw; }

private:
    FCGX_Request _raw{};
};

void acceptLoop(Runtime& runtime)
{
    Worker worker(runtime);
    FastCgiRequest request;
    while (!stopRequested) {
        if (FCGX_Accept_r(request.raw()) < 0)
            break;
        FCGX_Request* raw = request.raw();
        const HttpRequest httpRequest = requestFromCgi(
            [raw](const char* name) { return FCGX_GetParam(name, raw->envp); },
            [raw](char* buffer, std::size_t size) {
                const int n = FCGX_GetStr(buffer, static_cast<int>(size), raw->in);
                return n > 0 ? static_cast<std::size_t>(n) : std::size_t{0};
            });
        const std::string answer = formatCgiResponse(worker.handle(httpRequest));
        FCGX_PutStr(answer.data(), static_cast<int>(answer.size()), raw->out);
        finishRequest(*raw);
        worker.afterResponse(); // the web server has the whole answer
    }
}

int serveOneCgiRequest(Runtime& runtime)
{
    runtime.store.setOneRequestPerProcess(true);
    runtime.store.setShareWriter(false); // a writer that would end with this request
    Worker worker(runtime);
    const HttpRequest request = requestFromCgi([](const char* name) { return std::getenv(name); },
                                               [](char* buffer, std::size_t size) {
                                                   return std::fread(buffer, 1, size, stdin);
                                               });
    const std::string answer = formatCgiResponse(worker.handle(request));
    std::fwrite(answer.data(), 1, answer.size(), stdout);
    std::fflush(stdout);
    // Closing stdout ends the response for the web server; only then may
    // notifications be delivered.
    std::fclose(stdout);
    worker.afterResponse();
    return 0;
}

} // namespace

bool runningAsCgi()
{
    return FCGX_IsCGI() != 0;
}

int serveFastCgiOrCgi(Runtime& runtime, int threads)
{
    if (runningAsCgi())
        return serveOneCgiRequest(runtime);
    if (FCGX_Init() != 0) {
        runtime.log.error("fastcgi_init_failed");
        return 1;
    }
    installStopHandlers();
    // glibc gives each thread that allocates its own malloc arena, each
    // keeping the pages it once used: with the worker threads and the WAL
    // checkpointer that was over 1 MB of a process's resident memory. The
    // threads spend little time in malloc; two arenas are plenty. A process
    // of one request thread gets one: the shared writer's thread, which
    // fills SQLite's page cache in the leader, then allocates from the
    // same heap as the request thread (the leader was 10.0 MB resident
    // in `make soak SOAK_SERVER=apache` with two, 1.1 MB of it the
    // second arena; the others 8.3-8.6 MB).
    mallopt(M_ARENA_MAX, threads > 1 ? 2 : 1);
    runtime.store.setSharedByThreads(threads > 1);
    runtime.log.info("fastcgi_started", {{"threads", std::to_string(threads)}});
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back([&runtime] { acceptLoop(runtime); });
    acceptLoop(runtime);
    for (auto& thread : pool)
        thread.join();
    runtime.log.info("fastcgi_stopped");
    return 0;
}

} // namespace si
