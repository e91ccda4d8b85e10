#include "transport/DevServer.h"

#include <pthread.h>
#include <signal.h>

#include "modules/NetModule.h"
#include "transport/CgiRequest.h"

namespace si {
namespace {

/// A server thread's Worker, behind the network module's HTTP server.
class WorkerExchange : public net::HttpExchange {
public:
    explicit WorkerExchange(Runtime& runtime) : _worker(runtime) {}

    HttpResponse handle(HttpRequest request, const net::BodyReader& body) override
    {
        readBodyByContentLength(request, body);
        return _worker.handle(request);
    }

    void afterResponse() override { _worker.afterResponse(); }

private:
    Worker _worker;
};

} // namespace

int serveHttp(Runtime& runtime, const std::string& host, unsigned short port)
{
    const net::NetModule& network = net::module(); // the HTTP server is in the network module

    // Block the stop signals in every thread; the main thread waits for one.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    runtime.store.setSharedByThreads(true); // the HTTP server's threads
    auto server = network.startHttpServer(host, port, [&runtime] { return std::make_unique<WorkerExchange>(runtime); });
    runtime.log.info("http_server_started", {{"listen", host + ":" + std::to_string(server->port())},
                                             {"dev", runtime.options.devMarketplace ? "true" : "false"}});
    int signal = 0;
    sigwait(&stopSignals, &signal);
    runtime.log.info("http_server_stopping", {{"signal", std::to_string(signal)}});
    server.reset();
    return 0;
}

} // namespace si
