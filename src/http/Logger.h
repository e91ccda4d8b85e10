#pragma once
#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>

namespace si {

/// One line per event on stderr (which web servers put in their error log):
/// `2026-11-28T18:00:00Z stripe-install[pid] LEVEL event key=value …`.
/// Values are passed through logSafe, so no input can forge a line.
class Logger {
public:
    explicit Logger(std::ostream& out);
    using Fields = std::initializer_list<std::pair<const char*, std::string>>;
    void info(const char* event, Fields fields = {}) { write("info", event, fields); }
    void warn(const char* event, Fields fields = {}) { write("warn", event, fields); }
    void error(const char* event, Fields fields = {}) { write("error", event, fields); }

private:
    void write(const char* level, const char* event, Fields fields);
    std::ostream& _out;
    const std::string _pid; ///< of the process that made this Logger (none forks and logs on)
    std::mutex _mutex;
};

} // namespace si
