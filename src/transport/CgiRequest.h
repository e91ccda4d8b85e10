#pragma once
// The CGI/FastCGI request model (RFC 3875 variables) to and from ours;
// shared by the FastCGI loop and plain CGI.
#include <cstddef>
#include <functional>
#include <string>

#include "http/HttpTypes.h"

namespace si {

/// Looks up a CGI variable (nullptr when absent).
using CgiParam = std::function<const char*(const char* name)>;
/// Reads up to `size` body bytes into `buffer`; returns how many (0 at end).
using CgiRead = std::function<std::size_t(char* buffer, std::size_t size)>;

/// Builds a request from CGI variables and reads the body (only when
/// CONTENT_LENGTH is present, valid and at most kMaxBodyBytes; otherwise
/// bodyProblem says why).
HttpRequest requestFromCgi(const CgiParam& param, const CgiRead& read);

/// Reads the body of `request` (its headers already filled) through `read`:
/// only when Content-Length is present, decimal and at most kMaxBodyBytes;
/// otherwise sets bodyProblem (a POST without a length is BadLength). Shared
/// by every transport, so each refuses the same bodies the same way.
void readBodyByContentLength(HttpRequest& request, const CgiRead& read);

/// The response in CGI form: "Status: …" and headers, a blank line, the body.
std::string formatCgiResponse(const HttpResponse& response);

} // namespace si
