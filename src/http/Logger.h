#pragma once
#include <cstddef>
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
    /// Lines go to `out`, one thread at a time.
    explicit Logger(std::ostream& out);
    /// Lines go to the file descriptor `fd` (the process's stderr), each with
    /// one write(): the kernel keeps a write of up to PIPE_BUF bytes whole
    /// whatever other threads and processes write, so no lock is held over
    /// the system call. (One was, on every callback: a thread preempted in
    /// the write held up every other request thread that logged.)
    explicit Logger(int fd);
    /// A line's most bytes, its newline included (PIPE_BUF on Linux); a
    /// longer one is cut and ends in "…".
    static constexpr std::size_t kMaxLineBytes = 4096;
    using Fields = std::initializer_list<std::pair<const char*, std::string>>;
    void info(const char* event, Fields fields = {}) { write("info", event, fields); }
    void warn(const char* event, Fields fields = {}) { write("warn", event, fields); }
    void error(const char* event, Fields fields = {}) { write("error", event, fields); }

private:
    void write(const char* level, const char* event, Fields fields);
    void writeToFd(const std::string& line);

    std::ostream* const _out = nullptr; ///< where lines go, if made with a stream;
    const int _fd = -1;                 ///< else here
    const std::string _pid; ///< of the process that made this Logger (none forks and logs on)
    std::mutex _mutex;      ///< for `_out`
};

} // namespace si
