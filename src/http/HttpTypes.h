#pragma once
// One request/response model for every way in: FastCGI, plain CGI and the
// standalone server each fill an HttpRequest and send an HttpResponse.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace si {

struct HttpRequest {
    std::string method = "GET";
    std::string path = "/";   ///< relative to the program (PATH_INFO); "/" at its root
    std::string scriptName;   ///< the program's own URL path ("" when at the root)
    std::string rawQuery;     ///< undecoded, without the "?"
    std::map<std::string, std::string> headers; ///< names lower-case
    std::string body;
    /// What the transport found when reading the body; the body is only
    /// read when its Content-Length is present, valid and within the limit.
    enum class BodyProblem { None, TooLarge, BadLength } bodyProblem = BodyProblem::None;
    bool https = false;       ///< came over TLS (HTTPS=on, or the server knows)
    std::string remoteAddr;

    std::optional<std::string> header(const std::string& lowerCaseName) const;
};

/// The largest body any route accepts (a webhook delivery is far smaller).
constexpr std::size_t kMaxBodyBytes = 64 * 1024;

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// Adds a header. Values with CR, LF or NUL are refused (throws
    /// std::invalid_argument): no input may split a header.
    void addHeader(const std::string& name, const std::string& value);
    std::optional<std::string> header(const std::string& name) const;
};

/// "404 Not Found" style reason phrases for the statuses the program uses.
const char* reasonPhrase(int status);

} // namespace si
