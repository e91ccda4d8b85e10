#pragma once
// Checkpoints a SQLite database's WAL from a thread and a connection of its
// own. SQLite's automatic checkpoint runs inside the commit that crosses the
// mark: that request waits for the checkpoint's two fsyncs (~10 ms here),
// and so do the requests queued behind its connection. A long-lived process
// (FastCGI, serve) hands the work to this thread instead: its connections'
// WAL hook asks for a checkpoint once the WAL holds kBackgroundPages, and
// checkpoints inline only past the fallback mark, should this thread fall
// far behind.
//
// The WAL starts over only when a writer begins with every frame already
// copied into the database; under steady writes one never does, so the
// WAL grows, every commit asks for another checkpoint (two fsyncs each),
// and past the fallback mark every commit checkpoints inline (`make bench`
// showed both: a quarter of a process's time). So when the WAL is still
// kBackgroundPages long after a PASSIVE checkpoint, a RESTART one follows:
// it waits for the writer lock (kRestartWaitMs at most), copies the few
// frames left, waits for readers of the old frames, and the next commit
// starts the WAL over.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace si {

class WalCheckpointer {
public:
    /// A WAL of this many pages (4 KiB each) asks for a background checkpoint.
    static constexpr int kBackgroundPages = 1000;
    /// How long a RESTART checkpoint waits for the writers (then it gives up
    /// until the next request; nothing is lost).
    static constexpr int kRestartWaitMs = 100;

    /// `file`: the SQLite database (a path or a "file:" URI); it is never
    /// created here. `onProblem` is called from the thread with what went
    /// wrong (the same problem once, until it changes); the next request
    /// tries again.
    WalCheckpointer(std::string file, std::function<void(const std::string&)> onProblem);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    /// Asks for a checkpoint soon. Never blocks on the checkpoint.
    void request();

    /// Checkpoints that completed (for tests and logs).
    std::uint64_t completed() const;
    /// Of those, the ones that had to RESTART the WAL.
    std::uint64_t restarts() const;
    /// Nothing asked for and nothing running (for tests: "the thread has
    /// kept up").
    bool idle() const;

private:
    void run();
    /// A PASSIVE checkpoint on the thread's connection (opening it if need
    /// be), then a RESTART one if the WAL is still long.
    void checkpoint();
    void problem(const std::string& what);

    const std::string _file;
    const std::function<void(const std::string&)> _onProblem;
    mutable std::mutex _mutex;
    std::condition_variable _wake;
    bool _requested = false;
    bool _checkpointing = false;
    bool _stopping = false;
    std::uint64_t _completed = 0;
    std::uint64_t _restarts = 0;
    std::string _lastProblem;
    sqlite3* _db = nullptr; ///< the thread's own connection
    std::thread _thread;     ///< last: started once everything above is ready
};

} // namespace si
