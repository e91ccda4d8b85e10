#include "stripe/CommandNotificationSender.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/Text.h"

namespace si {

namespace {

constexpr std::size_t kOutputExcerpt = 200;

class Fd {
public:
    Fd() = default;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return _fd; }
    void adopt(int fd)
    {
        reset();
        _fd = fd;
    }
    void reset()
    {
        if (_fd >= 0)
            ::close(_fd);
        _fd = -1;
    }

private:
    int _fd = -1;
};

/// A close-on-exec pipe (dup2 in the child clears the flag on 0, 1, 2).
struct Pipe {
    Fd read, write;
    Pipe()
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            throw std::runtime_error(std::string("cannot create a pipe for [notify] command: ") +
                                     std::strerror(errno));
        read.adopt(fds[0]);
        write.adopt(fds[1]);
    }
};

std::string envValue(const std::string& value)
{
    std::string clean = value;
    for (char& c : clean)
        if (c == '\0')
            c = ' ';
    return clean;
}

/// Reads what is there now, keeping at most the first kOutputExcerpt bytes.
/// Returns false at end of file.
bool drain(int fd, std::string& output)
{
    char buffer[4096];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got > 0) {
            const std::size_t room = kOutputExcerpt - std::min(kOutputExcerpt, output.size());
            output.append(buffer, std::min(room, static_cast<std::size_t>(got)));
            continue;
        }
        if (got == 0)
            return false;
        if (errno == EINTR)
            continue;
        return true; // EAGAIN: nothing more for now
    }
}

} // namespace

CommandNotificationSender::CommandNotificationSender(std::string program, int timeoutMs)
    : _program(std::move(program)), _timeoutMs(timeoutMs)
{
    if (_program.empty() || _program[0] != '/')
        throw std::invalid_argument("[notify] command must be an absolute path to a program, not \"" +
                                    logSafe(_program) + "\"");
}

DeliveryAttempt CommandNotificationSender::deliver(const OutboxEntry& entry)
{
    // The body goes into the pipe before the program starts: it is far
    // smaller than a pipe's buffer, so this never blocks, and a program that
    // exits without reading cannot raise SIGPIPE here.
    if (entry.body.size() > 32768)
        return {false, "the notification is too large for [notify] command's stdin"};
    const Notification& n = entry.notification;
    const char* path = std::getenv("PATH");
    std::vector<std::string> environment = {
        "PATH=" + std::string(path ? path : "/usr/local/bin:/usr/bin:/bin"),
        "NOTIFY_EVENT_ID=" + envValue(n.id),
        "NOTIFY_TYPE=" + toString(n.type),
        "NOTIFY_ACCOUNT_ID=" + envValue(n.accountId),
        "NOTIFY_USER_ID=" + envValue(n.userId),
        "NOTIFY_LIVEMODE=" + std::string(n.livemode ? "true" : "false"),
        "NOTIFY_REF=" + envValue(n.ref),
        "NOTIFY_TIME=" + std::to_string(n.time),
    };
    std::vector<char*> envp;
    for (auto& item : environment)
        envp.push_back(item.data());
    envp.push_back(nullptr);
    std::string programCopy = _program;
    char* argv[] = {programCopy.data(), nullptr};

    Pipe input;
    Pipe output;
    if (::write(input.write.get(), entry.body.data(), entry.body.size()) != static_cast<ssize_t>(entry.body.size()))
        throw std::runtime_error(std::string("cannot write the notification to a pipe: ") + std::strerror(errno));
    input.write.reset();

    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("cannot start [notify] command: ") + std::strerror(errno));
    if (pid == 0) {
        // The child: only async-signal-safe calls until exec.
        ::setpgid(0, 0);
        ::dup2(input.read.get(), 0);
        ::dup2(output.write.get(), 1);
        ::dup2(output.write.get(), 2);
        ::close_range(3, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::execve(argv[0], argv, envp.data());
        static const char message[] = "cannot execute the program (is it executable?)\n";
        (void)!::write(2, message, sizeof message - 1);
        ::_exit(127);
    }
    ::setpgid(pid, pid); // also in the parent, so the kill below never misses the group
    input.read.reset();
    output.write.reset();
    ::fcntl(output.read.get(), F_SETFL, ::fcntl(output.read.get(), F_GETFL) | O_NONBLOCK);

    const auto deadline = started + std::chrono::milliseconds(_timeoutMs);
    std::string excerpt;
    bool outputOpen = true;
    bool timedOut = false;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            ::kill(-pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            timedOut = true;
            break;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
        const int wait = static_cast<int>(std::min<long long>(left + 1, 10));
        if (outputOpen) {
            pollfd fd{output.read.get(), POLLIN, 0};
            if (::poll(&fd, 1, wait) > 0)
                outputOpen = drain(output.read.get(), excerpt);
        } else {
            ::poll(nullptr, 0, wait);
        }
    }
    if (outputOpen)
        drain(output.read.get(), excerpt);

    while (!excerpt.empty() && std::isspace(static_cast<unsigned char>(excerpt.back())))
        excerpt.pop_back();
    const std::string said = excerpt.empty() ? "" : ": " + logSafe(excerpt, kOutputExcerpt);
    if (timedOut)
        return {false, "[notify] command did not finish within " + std::to_string(_timeoutMs) +
                           " ms ([notify] timeout_ms); its process group was killed" + said};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {true, ""};
    if (WIFEXITED(status))
        return {false, "[notify] command exited with status " + std::to_string(WEXITSTATUS(status)) + said};
    return {false, "[notify] command was killed by signal " + std::to_string(WTERMSIG(status)) + said};
}

} // namespace si
