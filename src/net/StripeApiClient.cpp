#include "net/StripeApiClient.h"

#include <memory>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/URI.h>

#include "core/StateToken.h"
#include "net/TlsClient.h"

#ifndef SI_VERSION
#define SI_VERSION "dev"
#endif

namespace si {
namespace {

constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;

std::string readCapped(std::istream& in)
{
    std::string body;
    char buffer[16384];
    while (in && body.size() < kMaxAnswerBytes) {
        in.read(buffer, sizeof buffer);
        body.append(buffer, static_cast<std::size_t>(in.gcount()));
    }
    return body;
}

} // namespace

StripeApiClient::StripeApiClient(StripeApiSettings settings, StripeApiNotice notice, Sleeper sleep, Jitter jitter)
    : _settings(std::move(settings)), _notice(std::move(notice)), _sleep(std::move(sleep)),
      _jitter(std::move(jitter))
{
    if (_settings.apiKey.empty())
        throw StripeApiError(0, "no Stripe API key: set [stripe] api_key or api_key_file, or the environment "
                                "variable STRIPE_API_KEY (your platform's secret key, sk_...)");
    try {
        const Poco::URI uri(_settings.apiBase);
        if (uri.getScheme() != "https" && uri.getScheme() != "http")
            throw StripeApiError(0, "[stripe] api_base must be an https:// URL, not \"" + _settings.apiBase + "\"");
        _https = uri.getScheme() == "https";
        _host = uri.getHost();
        _port = uri.getPort();
    } catch (const Poco::Exception& e) {
        throw StripeApiError(0, "[stripe] api_base is not a URL: " + e.displayText());
    }
    if (!_https)
        return;
    try {
        _context = net::verifyingClientContext(_settings.caFile);
    } catch (const Poco::Exception& e) {
        throw StripeApiError(0, "cannot set up TLS for the Stripe API" +
                                    (_settings.caFile.empty() ? std::string() : " with [stripe] api_ca_file " +
                                                                                    _settings.caFile) +
                                    ": " + e.displayText());
    }
}

StripeApiClient::~StripeApiClient() = default;

AttemptResult StripeApiClient::attempt(const StripeRequest& request, int timeoutMs) const
{
    AttemptResult result;
    try {
        const auto session = net::clientSession(_https, _host, _port, _context, timeoutMs);

        Poco::Net::HTTPRequest http(request.method, requestTarget(request), Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [name, value] :
             stripeHeaders(request, _settings.apiKey, _settings.apiVersion, "stripe-install/" SI_VERSION))
            http.set(name, value);
        http.setKeepAlive(false);
        const std::string body = requestBody(request);
        if (request.method == "POST")
            http.setContentLength(static_cast<std::streamsize>(body.size()));
        session->sendRequest(http) << body;

        Poco::Net::HTTPResponse response;
        std::istream& in = session->receiveResponse(response);
        result.body = readCapped(in);
        result.status = static_cast<int>(response.getStatus());
        result.requestId = response.get("Request-Id", "");
        if (response.has("Stripe-Should-Retry"))
            result.shouldRetry = response.get("Stripe-Should-Retry");
        if (response.has("Retry-After"))
            result.retryAfter = response.get("Retry-After");
    } catch (const Poco::TimeoutException&) {
        result.networkError = "no answer within " + std::to_string(timeoutMs) + " ms ([stripe] api_timeout_ms)";
    } catch (const Poco::Net::CertificateValidationException& e) {
        result.networkError = "the server's certificate does not match " + _host + ": " + e.displayText();
        result.networkRetryable = false;
    } catch (const Poco::Net::SSLException& e) {
        const std::string text = e.displayText();
        result.networkError = "TLS failed: " + text;
        if (text.find("certificate") != std::string::npos) {
            result.networkError += " (is the server's certificate trusted? [stripe] api_ca_file adds a CA)";
            result.networkRetryable = false;
        }
    } catch (const Poco::Exception& e) {
        result.networkError = e.displayText();
    } catch (const std::exception& e) {
        result.networkError = e.what();
    }
    result.networkError = redactSecret(result.networkError, _settings.apiKey);
    return result;
}

StripeResponse StripeApiClient::send(StripeRequest request) const
{
    if (const auto problem = checkStripeRequest(request.method, request.path))
        throw StripeApiError(0, *problem);
    if (!request.account.empty() && !looksLikeAccountId(request.account))
        throw StripeApiError(0, "Stripe-Account must be an account id like acct_1A2b3C4d, not \"" +
                                    redactSecret(request.account, _settings.apiKey) + "\"");
    if (request.method == "POST" && request.idempotencyKey.empty()) {
        SystemRandom random;
        request.idempotencyKey = mintIdempotencyKey(random);
    }
    RetryPolicy policy = _settings.retry;
    if (request.maxRetries)
        policy.maxRetries = *request.maxRetries;
    const int timeoutMs = request.timeoutMs.value_or(_settings.timeoutMs);
    const std::string what = request.method + " " + request.path;

    int attempts = 0;
    const AttemptResult result = runWithRetries(
        [&](int) {
            ++attempts;
            return attempt(request, timeoutMs);
        },
        policy, _sleep, _jitter,
        [&](int retry, const AttemptResult& failed, std::chrono::milliseconds delay) {
            if (_notice)
                _notice("stripe api: " + what + ": " +
                        (failed.status ? "answered " + std::to_string(failed.status) : failed.networkError) +
                        "; retry " + std::to_string(retry) + " of " + std::to_string(policy.maxRetries) + " in " +
                        std::to_string(delay.count()) + " ms");
        });
    if (result.succeeded())
        return {result.status, result.body, result.requestId};

    const std::string tries = attempts > 1 ? " (after " + std::to_string(attempts) + " attempts)" : "";
    if (result.status == 0)
        throw StripeApiError(0, what + " at " + _settings.apiBase + ": " + result.networkError + tries);
    const auto error = parseStripeError(result.body);
    throw StripeApiError(result.status,
                         what + ": " + describeStripeFailure(result.status, result.body, result.requestId,
                                                             _settings.apiKey) + tries,
                         error ? error->type : "", error ? error->code : "", result.requestId);
}

} // namespace si
