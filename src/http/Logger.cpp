#include "http/Logger.h"

#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "core/Text.h"

namespace si {

static_assert(Logger::kMaxLineBytes <= PIPE_BUF, "a line must be written whole by one write()");

// The process id once: glibc makes getpid() a system call every time, and
// a log line is written on most requests.
Logger::Logger(std::ostream& out) : _out(&out), _pid(std::to_string(getpid())) {}

Logger::Logger(int fd) : _fd(fd), _pid(std::to_string(getpid())) {}

void Logger::write(const char* level, const char* event, Fields fields)
{
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);

    std::string line = std::string(stamp) + " stripe-install[" + _pid + "] " + level + " " + event;
    for (const auto& [key, value] : fields) {
        std::string safe = logSafe(value, 300);
        const bool quote = safe.empty() || safe.find(' ') != std::string::npos || safe.find('"') != std::string::npos;
        line += std::string(" ") + key + "=" + (quote ? "\"" + safe + "\"" : safe);
    }
    // At most PIPE_BUF bytes with its newline: a longer write to a pipe may
    // have other writes land inside it. Cut at a character's start, marked.
    if (line.size() + 1 > kMaxLineBytes) {
        line.resize(utf8PrefixLength(line, kMaxLineBytes - 1 - (sizeof "…" - 1)));
        line += "…";
    }
    line += '\n';
    if (!_out) {
        writeToFd(line);
        return;
    }
    std::lock_guard<std::mutex> lock(_mutex);
    *_out << line << std::flush;
}

void Logger::writeToFd(const std::string& line)
{
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(_fd, line.data() + written, line.size() - written);
        if (n > 0)
            written += static_cast<std::size_t>(n);
        else if (n < 0 && errno == EINTR)
            continue;
        else
            return; // refused (a full non-blocking pipe, a closed one): dropped, not retried
    }
}

} // namespace si
