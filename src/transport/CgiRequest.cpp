#include "transport/CgiRequest.h"

#include <cstring>

#include "core/Text.h"

namespace si {
namespace {

std::string valueOf(const CgiParam& param, const char* name)
{
    const char* value = param(name);
    return value ? value : "";
}

} // namespace

HttpRequest requestFromCgi(const CgiParam& param, const CgiRead& read)
{
    HttpRequest request;
    request.method = valueOf(param, "REQUEST_METHOD");
    if (request.method.empty())
        request.method = "GET";
    request.path = valueOf(param, "PATH_INFO");
    if (request.path.empty())
        request.path = "/";
    request.scriptName = valueOf(param, "SCRIPT_NAME");
    while (!request.scriptName.empty() && request.scriptName.back() == '/')
        request.scriptName.pop_back();
    request.rawQuery = valueOf(param, "QUERY_STRING");
    request.remoteAddr = valueOf(param, "REMOTE_ADDR");
    const std::string https = asciiLower(valueOf(param, "HTTPS"));
    request.https = https == "on" || https == "1" || asciiLower(valueOf(param, "REQUEST_SCHEME")) == "https";

    // The headers the program reads; a CGI server passes them as HTTP_*.
    static const char* const wanted[][2] = {
        {"HTTP_COOKIE", "cookie"},
        {"HTTP_STRIPE_SIGNATURE", "stripe-signature"},
        {"HTTP_HOST", "host"},
        {"HTTP_USER_AGENT", "user-agent"},
        {"HTTP_X_FORWARDED_PROTO", "x-forwarded-proto"},
        {"CONTENT_TYPE", "content-type"},
        {"CONTENT_LENGTH", "content-length"},
    };
    for (const auto& [variable, header] : wanted)
        if (const char* value = param(variable))
            request.headers[header] = value;

    readBodyByContentLength(request, read);
    return request;
}

void readBodyByContentLength(HttpRequest& request, const CgiRead& read)
{
    const auto length = request.header("content-length");
    const bool expectsBody = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (!length || length->empty()) {
        if (expectsBody)
            request.bodyProblem = HttpRequest::BodyProblem::BadLength;
        return;
    }
    const auto declared = parseDecimalDigits(*length, 12);
    if (!declared) {
        request.bodyProblem = HttpRequest::BodyProblem::BadLength;
        return;
    }
    if (static_cast<std::uint64_t>(*declared) > kMaxBodyBytes) {
        request.bodyProblem = HttpRequest::BodyProblem::TooLarge;
        return;
    }
    const auto size = static_cast<std::size_t>(*declared);
    request.body.resize(size);
    std::size_t got = 0;
    while (got < size) {
        const std::size_t n = read(request.body.data() + got, size - got);
        if (n == 0)
            break;
        got += n;
    }
    if (got != size) {
        request.body.clear();
        request.bodyProblem = HttpRequest::BodyProblem::BadLength;
    }
}

std::string formatCgiResponse(const HttpResponse& response)
{
    std::string out = "Status: " + std::to_string(response.status) + " " + reasonPhrase(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers)
        out += name + ": " + value + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
    out += response.body;
    return out;
}

} // namespace si
