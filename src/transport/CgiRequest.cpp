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

    const auto length = request.header("content-length");
    const bool expectsBody = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (!length || length->empty()) {
        if (expectsBody)
            request.bodyProblem = HttpRequest::BodyProblem::BadLength;
        return request;
    }
    if (length->size() > 12 || length->find_first_not_of("0123456789") != std::string::npos) {
        request.bodyProblem = HttpRequest::BodyProblem::BadLength;
        return request;
    }
    const unsigned long long declared = std::stoull(*length);
    if (declared > kMaxBodyBytes) {
        request.bodyProblem = HttpRequest::BodyProblem::TooLarge;
        return request;
    }
    request.body.resize(static_cast<std::size_t>(declared));
    std::size_t got = 0;
    while (got < declared) {
        const std::size_t n = read(request.body.data() + got, static_cast<std::size_t>(declared) - got);
        if (n == 0)
            break;
        got += n;
    }
    if (got != declared) {
        request.body.clear();
        request.bodyProblem = HttpRequest::BodyProblem::BadLength;
    }
    return request;
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
