#include "store/WalCheckpointer.h"

#include <sqlite3.h>

#include <utility>

namespace si {

WalCheckpointer::WalCheckpointer(std::string file, std::function<void(const std::string&)> onProblem)
    : _file(std::move(file)), _onProblem(std::move(onProblem)), _thread([this] { run(); })
{
}

WalCheckpointer::~WalCheckpointer()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stopping = true;
    }
    _wake.notify_one();
    _thread.join();
    sqlite3_close(_db);
}

void WalCheckpointer::request()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_requested)
            return;
        _requested = true;
    }
    _wake.notify_one();
}

std::uint64_t WalCheckpointer::completed() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _completed;
}

std::uint64_t WalCheckpointer::restarts() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _restarts;
}

bool WalCheckpointer::idle() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return !_requested && !_checkpointing;
}

void WalCheckpointer::run()
{
    std::unique_lock<std::mutex> lock(_mutex);
    for (;;) {
        _wake.wait(lock, [this] { return _requested || _stopping; });
        if (_stopping)
            return;
        _requested = false;
        _checkpointing = true;
        lock.unlock();
        checkpoint();
        lock.lock();
        _checkpointing = false;
    }
}

void WalCheckpointer::checkpoint()
{
    if (!_db) {
        // No SQLITE_OPEN_CREATE: a database deleted under the program must
        // not come back empty (the request path reports it).
        const int rc = sqlite3_open_v2(_file.c_str(), &_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, nullptr);
        if (rc != SQLITE_OK) {
            problem(std::string("cannot open the database to checkpoint its WAL: ") +
                    (_db ? sqlite3_errmsg(_db) : sqlite3_errstr(rc)));
            sqlite3_close(_db);
            _db = nullptr;
            return;
        }
        sqlite3_db_config(_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        // A connection learns that the file is in WAL mode on its first
        // read; until then a checkpoint "succeeds" doing nothing.
        const int read = sqlite3_exec(_db, "PRAGMA schema_version", nullptr, nullptr, nullptr);
        if (read != SQLITE_OK) {
            problem(std::string("cannot read the database to checkpoint its WAL: ") + sqlite3_errmsg(_db));
            sqlite3_close(_db);
            _db = nullptr;
            return;
        }
    }
    int walPages = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied);
    // Frames written during the checkpoint, or a writer that began before it
    // ended, keep the WAL from starting over: still this long, it will not.
    const bool restart = rc == SQLITE_OK && walPages >= kBackgroundPages;
    if (restart) {
        sqlite3_busy_timeout(_db, kRestartWaitMs);
        rc = sqlite3_wal_checkpoint_v2(_db, nullptr, SQLITE_CHECKPOINT_RESTART, &walPages, &copied);
        sqlite3_busy_timeout(_db, 0);
    }
    if (rc == SQLITE_OK && walPages >= 0) {
        std::lock_guard<std::mutex> lock(_mutex);
        ++_completed;
        _restarts += restart ? 1 : 0;
        _lastProblem.clear();
        return;
    }
    if (rc == SQLITE_BUSY) // another process is checkpointing, or the writers kept the lock: next time
        return;
    problem(std::string("WAL checkpoint failed: ") + sqlite3_errmsg(_db));
    // A fresh connection next time (the file may have been replaced).
    sqlite3_close(_db);
    _db = nullptr;
}

void WalCheckpointer::problem(const std::string& what)
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (what == _lastProblem)
            return;
        _lastProblem = what;
    }
    if (_onProblem)
        _onProblem(what + " (" + _file + ")");
}

} // namespace si
