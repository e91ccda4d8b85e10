#include "http/HttpTypes.h"

#include <stdexcept>

#include "core/Text.h"

namespace si {

std::optional<std::string> HttpRequest::header(const std::string& lowerCaseName) const
{
    auto it = headers.find(lowerCaseName);
    if (it == headers.end())
        return std::nullopt;
    return it->second;
}

void HttpResponse::addHeader(const std::string& name, const std::string& value)
{
    if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos ||
        name.find_first_of(std::string("\r\n\0:", 4)) != std::string::npos)
        throw std::invalid_argument("refusing a header with CR, LF or NUL: " + logSafe(name));
    headers.emplace_back(name, value);
}

std::optional<std::string> HttpResponse::header(const std::string& name) const
{
    const std::string wanted = asciiLower(name);
    for (const auto& [key, value] : headers)
        if (asciiLower(key) == wanted)
            return value;
    return std::nullopt;
}

const char* reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    }
    return "Status";
}

} // namespace si
