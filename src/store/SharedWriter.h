#pragma once
// SQLite, several single-request processes on one database file (Apache's
// mod_fcgid starts up to 32 of them, each given one request at a time):
// one of them writes for all of them.
//
// Each process committing its own writes took turns at SQLite's one write
// lock: every commit re-read the pages another process had changed, and the
// processes waiting spun in the busy handler (`perf trace`: 28 fcntl lock
// calls and 16 page reads per callback; about 390 µs of program CPU per
// callback against 70-80 µs in one process whose threads commit together).
// Here the first process to write becomes the leader: it listens on a Unix
// socket in Linux's abstract namespace named after the database file
// (device and inode: no file to clean up, gone when the process is), and a
// thread of its own commits the writes the others send it, all that have
// arrived in one transaction (SqlStore's group commit). The others send
// their writes and wait for the answer.
//
// Safety: only a process of the same user is served, and only a leader of
// the same user is used (SO_PEERCRED, both ways); anyone else's socket under
// the name only means this process writes for itself. A write that could
// not be handed over (no leader, a leader stopping) is done here, as before.
// A leader that stops (mod_fcgid ends idle processes, a restart) stops
// taking writes first (a write sent after that fails to send, and is done
// here), then commits and answers every write it already received. Only a
// leader killed outright, or silent past the answer timeout, leaves a
// write's fate unknown to its sender: that request fails (503) saying so.
#include "store/WriteFrames.h"

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace si {

class SharedWriter {
public:
    /// Leader: commits the writes received together; one answer for each,
    /// in order. Called from the leader's thread; must not throw.
    using CommitAll = std::function<std::vector<WriteAnswer>(const std::vector<WriteFields>&)>;
    /// What to log: an event name and its cause.
    using Report = std::function<void(const std::string& event, const std::string& cause)>;

    /// `name`: the abstract socket name (sharedWriterName). `answerWithinMs`:
    /// how long a sender waits for its answer.
    SharedWriter(std::string name, int answerWithinMs, CommitAll commitAll, Report report);
    /// A leader stops taking writes, commits and answers those it has, and
    /// closes; waits for that.
    ~SharedWriter();
    SharedWriter(const SharedWriter&) = delete;
    SharedWriter& operator=(const SharedWriter&) = delete;

    /// The answer from the leader; nullopt when no leader took the write
    /// (this process leads, just became the leader, or none could be
    /// reached): write it here. Throws StoreError when the write was sent
    /// and no answer came (the leader ended, or took too long).
    std::optional<WriteAnswer> handOff(const WriteFields& request);

    /// This process is the leader.
    bool leading() const { return _leading; }

private:
    struct Connection;
    /// Sender: a connection to a leader of this user, or -1.
    int connectToLeader();
    /// Binds the name; on success starts the leader's thread.
    bool tryToLead();
    void closeSender();
    /// Leader's thread: accepts senders, reads their writes, commits each
    /// round's together, answers.
    void lead();

    const std::string _name;
    const int _answerWithinMs;
    const CommitAll _commitAll;
    const Report _report;
    std::mutex _mutex;              ///< one handOff at a time
    int _sender = -1;               ///< connected to the leader
    std::int64_t _retryAfterMs = 0; ///< after a foreign or failing leader, look again from then
    std::atomic<bool> _leading{false};
    int _listener = -1;
    int _stop = -1; ///< eventfd: the destructor asks the leader's thread to stop
    std::thread _thread;
};

/// The abstract socket name for the SQLite database at `path` ("" when it
/// has none: ":memory:", a "file:" URI, a file that cannot be stat'ed).
std::string sharedWriterName(const std::string& path);

} // namespace si
