#include "http/Logger.h"

#include <unistd.h>

#include <ctime>

#include "core/Text.h"

namespace si {

// The process id once: glibc makes getpid() a system call every time, and
// a log line is written on most requests.
Logger::Logger(std::ostream& out) : _out(out), _pid(std::to_string(getpid())) {}

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
    line += '\n';
    std::lock_guard<std::mutex> lock(_mutex);
    _out << line << std::flush;
}

} // namespace si
