#pragma once
// The SQLite adapter of the store's port (SqlConnection.h), on the sqlite3 C
// API: the program does not link Poco Data, whose loading alone cost about
// 3.5 ms per plain-CGI start (measured, issue 9).
#include "store/SqlConnection.h"

#include <memory>
#include <string>

namespace si {

class WalCheckpointer;

/// Opens (creating if need be) the SQLite database `file` (a path,
/// ":memory:" or a "file:" URI) and sets it up for the store: WAL journal
/// mode, synchronous=NORMAL, foreign keys on, a 512 KiB page cache, no
/// checkpoint when the last connection closes, and a busy handler that
/// retries a locked write with short waits (yields, then sleeps of 50 µs
/// growing to 200 µs) until `busyTimeoutMs` has passed, then fails with
/// SqlFault::Locked. Statements are prepared once per connection and reused.
/// Files are opened through the WAL write-gathering VFS
/// (WalWriteGathering.h): a commit's WAL frames reach the file in one write.
///
/// Throws SqlError (SQLite's message, e.g. "unable to open database file",
/// "file is not a database") when the file cannot be opened or is not a
/// database; SqlError ReadOnly ("the database is read-only: …") when SQLite
/// could open it only read-only, unless a "file:" URI asked for mode=ro;
/// and StoreError when it cannot be switched to WAL.
/// `walAutocheckpointPages`: PRAGMA wal_autocheckpoint (SQLite's default is
/// 1000). With a `checkpointer`, the WAL is checkpointed by its thread from
/// WalCheckpointer::kBackgroundPages on, and by the committing connection
/// only from `walAutocheckpointPages` on.
std::unique_ptr<SqlConnection> openSqlite(const std::string& file, int busyTimeoutMs, int walAutocheckpointPages = 1000,
                                          WalCheckpointer* checkpointer = nullptr);

} // namespace si
