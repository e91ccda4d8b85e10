#include "transport/DevServer.h"

#include <signal.h>

#include <iostream>
#include <istream>
#include <memory>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include "core/Text.h"
#include "transport/CgiRequest.h"

namespace si {
namespace {

HttpRequest toHttpRequest(Poco::Net::HTTPServerRequest& in)
{
    HttpRequest request;
    request.method = in.getMethod();
    const std::string& uri = in.getURI();
    const auto question = uri.find('?');
    std::string rawPath = uri.substr(0, question);
    if (question != std::string::npos)
        request.rawQuery = uri.substr(question + 1);
    request.path.clear(); // Poco::URI::decode appends
    Poco::URI::decode(rawPath, request.path); // PATH_INFO arrives decoded from web servers too
    if (request.path.empty())
        request.path = "/";
    for (const auto& [name, value] : in)
        request.headers[asciiLower(name)] = value;
    request.remoteAddr = in.clientAddress().host().toString();

    std::istream& body = in.stream();
    readBodyByContentLength(request, [&body](char* buffer, std::size_t size) {
        body.read(buffer, static_cast<std::streamsize>(size));
        return static_cast<std::size_t>(body.gcount());
    });
    return request;
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(Runtime& runtime) : _runtime(runtime) {}

    void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override
    {
        // Each server thread keeps its own worker (and database connection).
        thread_local std::unique_ptr<Worker> worker;
        if (!worker)
            worker = std::make_unique<Worker>(_runtime);
        const HttpResponse response = worker->handle(toHttpRequest(in));
        out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status),
                               reasonPhrase(response.status));
        for (const auto& [name, value] : response.headers) {
            if (name == "Set-Cookie")
                out.add(name, value); // several may be set
            else
                out.set(name, value);
        }
        out.setContentLength(static_cast<std::streamsize>(response.body.size()));
        std::ostream& body = out.send();
        body.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
        body.flush(); // the whole answer is on its way before any delivery
        worker->afterResponse();
    }

private:
    Runtime& _runtime;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit HandlerFactory(Runtime& runtime) : _runtime(runtime) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(_runtime);
    }

private:
    Runtime& _runtime;
};

} // namespace

int serveHttp(Runtime& runtime, const std::string& host, unsigned short port)
{
    // Block the stop signals in every thread; the main thread waits for one.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(host, port));
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(16);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    Poco::Net::HTTPServer server(new HandlerFactory(runtime), socket, params);
    server.start();
    runtime.log.info("http_server_started", {{"listen", host + ":" + std::to_string(socket.address().port())},
                                             {"dev", runtime.options.devMarketplace ? "true" : "false"}});
    int signal = 0;
    sigwait(&stopSignals, &signal);
    runtime.log.info("http_server_stopping", {{"signal", std::to_string(signal)}});
    server.stopAll(true);
    return 0;
}

} // namespace si
