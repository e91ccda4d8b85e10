#pragma once
// An SQLite VFS that writes a commit's WAL frames with one system call.
//
// SQLite appends each WAL frame as two writes, its 24-byte header and then
// its page: a callback's commit of 4–5 frames made 8–10 `pwrite`s (6.6 per
// callback, `perf trace -s`), most of the time the store's connection is
// held. This VFS is the default one with one change: a WAL file keeps the
// frames of a transaction in memory, in order, and writes them together
// when the page of its commit frame (a header whose "database size after
// commit" is not 0) arrives — in that call, before SQLite returns from it
// and publishes the new frames in the WAL index, so no other connection or
// process can look for a frame that is not in the file yet.
//
// Only that exact pattern is gathered (a 24-byte header, then the next
// bytes of the file, then a header again). Any other write — the WAL's own
// header, a write elsewhere in the file, an unexpected size — first writes
// out what is held and then goes through at once; so do reads, syncs,
// truncation, size queries, file controls and the close. If SQLite ever
// wrote its frames differently, this would gather nothing rather than hold
// a commit back. A crash loses nothing that it would not have lost anyway:
// until the commit frame is written the transaction is not committed, and
// with synchronous=NORMAL nothing is synced at a commit in either case.
// Files other than WAL files are opened by the default VFS untouched.

namespace si {

/// The name to pass to sqlite3_open_v2 (registered on the first call; not
/// the default VFS). Thread-safe.
const char* walWriteGatheringVfs();

} // namespace si
