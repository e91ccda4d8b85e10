#include "store/SharedWriter.h"

#include "core/StoreError.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <map>
#include <system_error>
#include <utility>

namespace si {
namespace {

/// After a leader of another user, or a connect that failed for another
/// reason than "nobody listens", this process writes for itself this long.
constexpr std::int64_t kLookAgainAfterMs = 10000;
/// The leader's listen backlog: more than mod_fcgid's process limit.
constexpr int kBacklog = 128;
/// The leader yields the CPU at most this often to let more writes join a
/// round's transaction.
constexpr int kMostYields = 16;
/// epoll's ids for the two sockets that are not senders.
constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kStopId = 1;

std::int64_t steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// `name` in the abstract namespace: sun_path starts with a NUL byte.
socklen_t abstractAddress(const std::string& name, sockaddr_un& address)
{
    address = {};
    address.sun_family = AF_UNIX;
    const std::size_t length = std::min(name.size(), sizeof(address.sun_path) - 1);
    std::memcpy(address.sun_path + 1, name.data(), length);
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + length);
}

/// The process at the other end runs as this process's user.
bool sameUser(int socket)
{
    ucred peer{};
    socklen_t size = sizeof peer;
    return ::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && peer.uid == ::geteuid();
}

/// Sends all of `bytes`; false when the peer is gone, has stopped
/// reading, or (a nonblocking socket) has not read what it was sent.
bool sendAll(int socket, const std::string& bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(socket, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

std::string frameOf(const WriteAnswer& answer)
{
    WriteFields fields;
    fields.reserve(answer.fields.size() + 1);
    fields.emplace_back(answer.ok ? "ok" : "error");
    fields.insert(fields.end(), answer.fields.begin(), answer.fields.end());
    return writeFrame(fields);
}

} // namespace

std::string sharedWriterName(const std::string& path)
{
    struct stat file {};
    if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0 || ::stat(path.c_str(), &file) != 0)
        return "";
    return "stripe-install/writer/" + std::to_string(file.st_dev) + "/" + std::to_string(file.st_ino);
}

SharedWriter::SharedWriter(std::string name, int answerWithinMs, CommitAll commitAll, Report report)
    : _name(std::move(name)), _answerWithinMs(answerWithinMs), _commitAll(std::move(commitAll)),
      _report(std::move(report))
{
}

SharedWriter::~SharedWriter()
{
    if (_thread.joinable()) {
        const std::uint64_t one = 1;
        while (::write(_stop, &one, sizeof one) < 0 && errno == EINTR) {
        }
        _thread.join();
    }
    if (_stop >= 0)
        ::close(_stop);
    closeSender();
}

void SharedWriter::closeSender()
{
    if (_sender >= 0)
        ::close(_sender);
    _sender = -1;
}

std::optional<WriteAnswer> SharedWriter::handOff(const WriteFields& request)
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (_leading)
        return std::nullopt;
    std::string frame;
    try {
        frame = writeFrame(request);
    } catch (const WriteFrameError&) {
        return std::nullopt; // too large to hand over: written here
    }
    // Twice: a leader that stopped since the last write leaves a socket
    // that refuses this one (not received), and there may be a new leader.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (_sender < 0) {
            if (steadyMs() < _retryAfterMs)
                return std::nullopt;
            _sender = connectToLeader();
            if (_sender < 0)
                return std::nullopt;
        }
        if (!sendAll(_sender, frame)) {
            closeSender();
            continue;
        }
        WriteFrameReader reader;
        for (;;) {
            std::optional<WriteFields> fields;
            try {
                fields = reader.next();
            } catch (const WriteFrameError& e) {
                closeSender();
                throw StoreError(std::string("the shared writer (another process of this site) answered with "
                                             "bytes that are not an answer: ") + e.what());
            }
            if (fields) {
                if (fields->empty() || (fields->front() != "ok" && fields->front() != "error")) {
                    closeSender();
                    throw StoreError("the shared writer (another process of this site) answered with an "
                                     "unknown answer");
                }
                WriteAnswer answer;
                answer.ok = fields->front() == "ok";
                answer.fields.assign(std::make_move_iterator(fields->begin() + 1),
                                     std::make_move_iterator(fields->end()));
                return answer;
            }
            // One call, no poll first: in a virtual machine each system
            // call counts. SO_RCVTIMEO (connectToLeader) bounds the wait.
            char bytes[4096];
            const ssize_t n = ::recv(_sender, bytes, sizeof bytes, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                closeSender();
                throw StoreError("the shared writer (another process of this site) did not answer within " +
                                 std::to_string(_answerWithinMs) +
                                 " ms; this request's write may or may not be stored");
            }
            if (n <= 0) {
                closeSender();
                throw StoreError("the shared writer (another process of this site) ended before answering; "
                                 "this request's write may or may not be stored");
            }
            reader.append(bytes, static_cast<std::size_t>(n));
        }
    }
    return std::nullopt;
}

int SharedWriter::connectToLeader()
{
    const int socket = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (socket < 0) {
        _retryAfterMs = steadyMs() + kLookAgainAfterMs;
        _report("shared_writer_unreachable", std::string("socket: ") + std::strerror(errno));
        return -1;
    }
    // connect() waits this long at most when the leader's backlog is full.
    const timeval second{1, 0};
    ::setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &second, sizeof second);
    sockaddr_un address;
    const socklen_t size = abstractAddress(_name, address);
    if (::connect(socket, reinterpret_cast<const sockaddr*>(&address), size) == 0) {
        if (sameUser(socket)) {
            const timeval answerWithin{_answerWithinMs / 1000, (_answerWithinMs % 1000) * 1000};
            ::setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &answerWithin, sizeof answerWithin);
            return socket;
        }
        ::close(socket);
        _retryAfterMs = steadyMs() + kLookAgainAfterMs;
        _report("shared_writer_foreign", "a process of another user listens under the shared writer's name (" +
                                             _name + "); this process writes for itself");
        return -1;
    }
    const int error = errno;
    ::close(socket);
    if (error == ECONNREFUSED || error == ENOENT) { // nobody leads (or the leader is stopping)
        tryToLead();
        return -1;
    }
    _retryAfterMs = steadyMs() + kLookAgainAfterMs;
    _report("shared_writer_unreachable", std::string("connect: ") + std::strerror(error));
    return -1;
}

bool SharedWriter::tryToLead()
{
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listener < 0)
        return false;
    sockaddr_un address;
    const socklen_t size = abstractAddress(_name, address);
    // EADDRINUSE: another process has just taken the name (or is stopping).
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&address), size) != 0 ||
        ::listen(listener, kBacklog) != 0) {
        ::close(listener);
        return false;
    }
    _stop = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (_stop < 0) {
        ::close(listener);
        return false;
    }
    _listener = listener;
    try {
        _thread = std::thread([this] { lead(); });
    } catch (const std::system_error& e) {
        ::close(_listener);
        ::close(_stop);
        _listener = _stop = -1;
        _report("shared_writer_failed", std::string("cannot start the thread: ") + e.what());
        return false;
    }
    _leading = true;
    _report("shared_writer_started", "this process (pid " + std::to_string(::getpid()) +
                                         ") commits the writes of the site's other processes");
    return true;
}

struct SharedWriter::Connection {
    int socket = -1;
    WriteFrameReader reader;
};

void SharedWriter::lead()
{
    const int poller = ::epoll_create1(EPOLL_CLOEXEC);
    std::map<std::uint64_t, Connection> connections;
    std::uint64_t nextId = kStopId + 1;
    const auto watch = [&](int socket, std::uint64_t id) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = id;
        return ::epoll_ctl(poller, EPOLL_CTL_ADD, socket, &event) == 0;
    };
    const auto drop = [&](std::uint64_t id) {
        const auto found = connections.find(id);
        if (found == connections.end())
            return;
        ::close(found->second.socket); // also leaves the epoll set
        connections.erase(found);
    };
    const auto acceptAll = [&] {
        for (;;) {
            const int socket = ::accept4(_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (socket < 0) {
                if (errno == EINTR)
                    continue;
                return; // EAGAIN: none waiting (anything else: the next round tries again)
            }
            if (!sameUser(socket)) {
                ::close(socket);
                _report("shared_writer_refused", "a process of another user connected: " + _name);
                continue;
            }
            const std::uint64_t id = nextId++;
            if (!watch(socket, id)) {
                ::close(socket);
                continue;
            }
            connections[id].socket = socket;
        }
    };
    struct Received {
        std::uint64_t from;
        WriteFields fields;
    };
    std::vector<Received> received;
    // Every whole write in the connection's socket. At its end the
    // connection is dropped, unless `keepAtEnd` (stopping: the sender
    // still waits for the answers).
    const auto readFrom = [&](std::uint64_t id, bool keepAtEnd) {
        const auto found = connections.find(id);
        if (found == connections.end())
            return;
        Connection& connection = found->second;
        for (;;) {
            char bytes[4096];
            const ssize_t n = ::recv(connection.socket, bytes, sizeof bytes, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno == EAGAIN)
                return;
            if (n == 0 && keepAtEnd)
                return;
            if (n <= 0)
                break;
            connection.reader.append(bytes, static_cast<std::size_t>(n));
            try {
                while (auto fields = connection.reader.next())
                    received.push_back({id, std::move(*fields)});
            } catch (const WriteFrameError& e) {
                _report("shared_writer_refused", std::string("bytes that are not a write: ") + e.what());
                break;
            }
            // A sender sends one write and waits for its answer: once it
            // is whole, no read to learn there is no more (epoll says so if
            // there is), unless stopping, when the end must be reached.
            if (!keepAtEnd && connection.reader.buffered() == 0)
                return;
        }
        drop(id);
    };

    bool stopping = poller < 0 || !watch(_listener, kListenerId) || !watch(_stop, kStopId);
    if (stopping)
        _report("shared_writer_failed", std::string("epoll: ") + std::strerror(errno));
    for (;;) {
        received.clear();
        if (!stopping) {
            epoll_event events[64];
            const auto handle = [&](int ready) {
                for (int i = 0; i < ready; ++i) {
                    const std::uint64_t id = events[i].data.u64;
                    if (id == kListenerId)
                        acceptAll();
                    else if (id == kStopId)
                        stopping = true;
                    else
                        readFrom(id, false);
                }
            };
            const int ready = ::epoll_wait(poller, events, 64, -1);
            if (ready < 0 && errno != EINTR) {
                _report("shared_writer_failed", std::string("epoll_wait: ") + std::strerror(errno));
                stopping = true;
            }
            handle(ready);
            // Yielding the CPU lets senders that can run send their writes,
            // which join this round's transaction; again while that brings
            // more. With nothing else to run, a yield returns at once.
            // (Apache callback rows, alternating pairs, req/s: one yield
            // against up to 4, 3,511/3,586, 3,190/3,694, 3,223/3,896; up
            // to 4 against up to 16, 2,875/3,915, 4,279/4,383.)
            for (int yields = 0; yields < kMostYields && !received.empty(); ++yields) {
                const std::size_t before = received.size();
                ::sched_yield();
                handle(std::max(0, ::epoll_wait(poller, events, 64, 0)));
                if (received.size() == before)
                    break;
            }
        }
        if (stopping) {
            // Refuse new senders first (connect: ECONNREFUSED, so they
            // write for themselves), then take those already queued; then
            // every sender's next send fails (EPIPE: not received) while
            // what was sent before is still read, committed and answered.
            ::shutdown(_listener, SHUT_RDWR);
            acceptAll();
            for (auto& [id, connection] : connections)
                ::shutdown(connection.socket, SHUT_RD);
            std::vector<std::uint64_t> ids;
            for (const auto& entry : connections)
                ids.push_back(entry.first);
            for (const std::uint64_t id : ids)
                readFrom(id, true);
        }
        if (!received.empty()) {
            std::vector<WriteFields> writes;
            writes.reserve(received.size());
            for (Received& write : received)
                writes.push_back(std::move(write.fields));
            std::vector<WriteAnswer> answers;
            try {
                answers = _commitAll(writes);
            } catch (const std::exception& e) { // out of memory: nothing was committed
                answers.assign(writes.size(), WriteAnswer{false, {e.what()}});
            }
            for (std::size_t i = 0; i < received.size() && i < answers.size(); ++i) {
                const auto found = connections.find(received[i].from);
                if (found == connections.end())
                    continue; // gone: its write is committed all the same
                std::string frame;
                try {
                    frame = frameOf(answers[i]);
                } catch (const std::exception& e) {
                    frame = frameOf(WriteAnswer{false, {std::string("the answer could not be sent: ") + e.what()}});
                }
                if (!sendAll(found->second.socket, frame))
                    drop(received[i].from);
            }
        }
        if (stopping)
            break;
    }
    for (auto& entry : connections)
        ::close(entry.second.socket);
    ::close(_listener);
    if (poller >= 0)
        ::close(poller);
}

} // namespace si
