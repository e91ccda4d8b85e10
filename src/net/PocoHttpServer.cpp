#include "net/PocoHttpServer.h"

#include <istream>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include "core/Text.h"

namespace si::net {
namespace {

/// The request line and headers; the body is read by the exchange.
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
    return request;
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(const HttpExchangeFactory& exchanges) : _exchanges(exchanges) {}

    void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override
    {
        // Each server thread keeps its own exchange (and database connection).
        thread_local std::unique_ptr<HttpExchange> exchange;
        if (!exchange)
            exchange = _exchanges();
        std::istream& body = in.stream();
        const HttpResponse response =
            exchange->handle(toHttpRequest(in), [&body](char* buffer, std::size_t size) {
                body.read(buffer, static_cast<std::streamsize>(size));
                return static_cast<std::size_t>(body.gcount());
            });
        out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status),
                               reasonPhrase(response.status));
        for (const auto& [name, value] : response.headers) {
            if (name == "Set-Cookie")
                out.add(name, value); // several may be set
            else
                out.set(name, value);
        }
        out.setContentLength(static_cast<std::streamsize>(response.body.size()));
        std::ostream& sent = out.send();
        sent.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
        sent.flush(); // the whole answer is on its way before any delivery
        exchange->afterResponse();
    }

private:
    const HttpExchangeFactory& _exchanges;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit HandlerFactory(const HttpExchangeFactory& exchanges) : _exchanges(exchanges) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(_exchanges);
    }

private:
    const HttpExchangeFactory& _exchanges;
};

class PocoHttpServer : public HttpServer {
public:
    PocoHttpServer(const std::string& host, unsigned short port, HttpExchangeFactory exchanges)
        : _exchanges(std::move(exchanges)), _socket(Poco::Net::SocketAddress(host, port)),
          _server(new HandlerFactory(_exchanges), _socket, params())
    {
        _server.start();
    }
    ~PocoHttpServer() override { _server.stopAll(true); }

    unsigned short port() const override { return _socket.address().port(); }

private:
    static Poco::Net::HTTPServerParams* params()
    {
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(16);
        params->setMaxQueued(256);
        params->setKeepAlive(true);
        return params;
    }

    HttpExchangeFactory _exchanges; ///< outlives the server, whose handlers refer to it
    Poco::Net::ServerSocket _socket;
    Poco::Net::HTTPServer _server;
};

} // namespace

std::unique_ptr<HttpServer> startPocoHttpServer(const std::string& host, unsigned short port,
                                                HttpExchangeFactory exchanges)
{
    return std::make_unique<PocoHttpServer>(host, port, std::move(exchanges));
}

} // namespace si::net
