#include "net/HttpNotificationSender.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/URI.h>

#include "core/Text.h"
#include "net/TlsClient.h"

#ifndef SI_VERSION
#define SI_VERSION "dev"
#endif

namespace si {
namespace {

constexpr std::size_t kOutputExcerpt = 200;

std::string readExcerpt(std::istream& in)
{
    char buffer[kOutputExcerpt];
    in.read(buffer, sizeof buffer);
    return std::string(buffer, static_cast<std::size_t>(in.gcount()));
}

} // namespace

HttpNotificationSender::HttpNotificationSender(std::string url, std::string secret, int timeoutMs,
                                               std::function<std::int64_t()> clock, std::string caFile)
    : _url(std::move(url)), _secret(std::move(secret)), _timeoutMs(timeoutMs), _clock(std::move(clock))
{
    if (_secret.empty())
        throw std::invalid_argument("[notify] secret is needed with [notify] url: receivers verify the signature with it");
    try {
        const Poco::URI uri(_url);
        if ((uri.getScheme() != "https" && uri.getScheme() != "http") || uri.getHost().empty())
            throw std::invalid_argument("[notify] url must be an https:// URL, not \"" + logSafe(_url) + "\"");
        _https = uri.getScheme() == "https";
        _host = uri.getHost();
        _port = uri.getPort();
        _target = uri.getPathAndQuery();
        if (_target.empty())
            _target = "/";
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("[notify] url is not a URL: " + e.displayText());
    }
    if (!_https)
        return;
    try {
        _context = net::verifyingClientContext(caFile);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("cannot set up TLS for [notify] url: " + e.displayText());
    }
}

HttpNotificationSender::~HttpNotificationSender() = default;

DeliveryAttempt HttpNotificationSender::deliver(const OutboxEntry& entry)
{
    try {
        const auto session = net::clientSession(_https, _host, _port, _context, _timeoutMs);

        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, _target, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json; charset=utf-8");
        request.setContentLength(static_cast<std::streamsize>(entry.body.size()));
        request.set(kNotificationSignatureHeaderName, notificationSignatureHeader(entry.body, _secret, _clock()));
        request.set("User-Agent", "stripe-install/" SI_VERSION " (notify)");
        request.setKeepAlive(false);
        session->sendRequest(request) << entry.body;

        Poco::Net::HTTPResponse response;
        std::istream& in = session->receiveResponse(response);
        const int status = static_cast<int>(response.getStatus());
        if (status >= 200 && status < 300)
            return {true, ""};
        return {false, "HTTP " + std::to_string(status) + " from " + logSafe(_host) + ": " +
                           logSafe(readExcerpt(in), kOutputExcerpt)};
    } catch (const Poco::TimeoutException&) {
        return {false, "no answer from " + logSafe(_host) + " within " + std::to_string(_timeoutMs) +
                           " ms ([notify] timeout_ms)"};
    } catch (const Poco::Net::SSLException& e) {
        return {false, "TLS with " + logSafe(_host) + " failed: " + logSafe(e.displayText(), kOutputExcerpt)};
    } catch (const Poco::Exception& e) {
        return {false, "cannot reach " + logSafe(_host) + ": " + logSafe(e.displayText(), kOutputExcerpt)};
    }
}

} // namespace si
