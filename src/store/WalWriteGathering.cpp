#include "store/WalWriteGathering.h"

#include <sqlite3.h>

#include <cstddef>
#include <new>
#include <vector>

namespace si {
namespace {

constexpr int kFrameHeaderBytes = 24;
/// Held at most (16 frames of 4 KiB): a larger transaction is written in
/// pieces of about this size. A connection keeps the buffer it grew (under
/// 128 KiB: the vector doubles past this mark once) for its next commit.
constexpr std::size_t kMostHeld = 64 * 1024;

/// What a WAL file holds back: a run of whole frames and at most one
/// header, contiguous from `at`.
struct Held {
    std::vector<char> bytes;
    sqlite3_int64 at = 0;
    bool pageNext = false;   ///< the last bytes held are a frame header
    bool commitFrame = false; ///< ... and that header ends a transaction
};

/// A WAL file: this VFS's methods in front of the default VFS's file,
/// which lives in the same allocation right after it. Standard layout, so
/// SQLite's sqlite3_file* is a WalFile*.
struct WalFile {
    sqlite3_file base;
    sqlite3_file* real;
    Held* held;
};

constexpr std::size_t kRealFileOffset =
    (sizeof(WalFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);

sqlite3_vfs* defaultVfs = nullptr;
sqlite3_vfs gatheringVfs;

WalFile& walFile(sqlite3_file* file)
{
    return *reinterpret_cast<WalFile*>(file);
}

sqlite3_file* real(sqlite3_file* file)
{
    return walFile(file).real;
}

int writeHeld(WalFile& file)
{
    Held& held = *file.held;
    if (held.bytes.empty())
        return SQLITE_OK;
    const int rc =
        file.real->pMethods->xWrite(file.real, held.bytes.data(), static_cast<int>(held.bytes.size()), held.at);
    held.bytes.clear(); // written, or failed: SQLite rolls the transaction back either way
    held.pageNext = false;
    held.commitFrame = false;
    return rc;
}

int writeHeld(sqlite3_file* file)
{
    return writeHeld(walFile(file));
}

/// False when out of memory (nothing held then): no C++ exception may
/// cross SQLite's C frames.
bool hold(Held& held, const void* data, int amount)
{
    const char* bytes = static_cast<const char*>(data);
    try {
        held.bytes.insert(held.bytes.end(), bytes, bytes + amount);
    } catch (const std::bad_alloc&) {
        return false;
    }
    return true;
}

int walWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset)
{
    WalFile& wal = walFile(file);
    Held& held = *wal.held;
    if (!held.bytes.empty() && offset != held.at + static_cast<sqlite3_int64>(held.bytes.size())) {
        if (const int rc = writeHeld(wal); rc != SQLITE_OK)
            return rc;
    }
    if (amount == kFrameHeaderBytes && !held.pageNext) {
        if (held.bytes.empty())
            held.at = offset;
        if (!hold(held, data, amount))
            return SQLITE_IOERR_NOMEM;
        // Bytes 4–7 of a frame header: the database's size in pages after
        // the commit this frame ends, 0 for a frame within a transaction.
        const auto* header = static_cast<const unsigned char*>(data);
        held.commitFrame = (header[4] | header[5] | header[6] | header[7]) != 0;
        held.pageNext = true;
        return SQLITE_OK;
    }
    if (held.pageNext) { // the page of the frame whose header is held
        if (!hold(held, data, amount))
            return SQLITE_IOERR_NOMEM;
        held.pageNext = false;
        // Written before SQLite publishes the commit in the WAL index.
        if (held.commitFrame || held.bytes.size() >= kMostHeld)
            return writeHeld(wal);
        return SQLITE_OK;
    }
    // Not a frame in sequence (the WAL's own header, a rewrite elsewhere):
    // what is held first, then this, at once.
    if (const int rc = writeHeld(wal); rc != SQLITE_OK)
        return rc;
    return wal.real->pMethods->xWrite(wal.real, data, amount, offset);
}

int walClose(sqlite3_file* file)
{
    WalFile& wal = walFile(file);
    const int written = writeHeld(wal);
    const int closed = wal.real->pMethods->xClose(wal.real);
    delete wal.held;
    wal.held = nullptr;
    return written != SQLITE_OK ? written : closed;
}

int walRead(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset)
{
    if (const int rc = writeHeld(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xRead(real(file), buffer, amount, offset);
}

int walTruncate(sqlite3_file* file, sqlite3_int64 size)
{
    if (const int rc = writeHeld(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xTruncate(real(file), size);
}

int walSync(sqlite3_file* file, int flags)
{
    if (const int rc = writeHeld(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xSync(real(file), flags);
}

int walFileSize(sqlite3_file* file, sqlite3_int64* size)
{
    if (const int rc = writeHeld(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xFileSize(real(file), size);
}

int walLock(sqlite3_file* file, int level)
{
    return real(file)->pMethods->xLock(real(file), level);
}

int walUnlock(sqlite3_file* file, int level)
{
    return real(file)->pMethods->xUnlock(real(file), level);
}

int walCheckReservedLock(sqlite3_file* file, int* reserved)
{
    return real(file)->pMethods->xCheckReservedLock(real(file), reserved);
}

int walFileControl(sqlite3_file* file, int op, void* argument)
{
    if (const int rc = writeHeld(file); rc != SQLITE_OK)
        return rc;
    return real(file)->pMethods->xFileControl(real(file), op, argument);
}

int walSectorSize(sqlite3_file* file)
{
    return real(file)->pMethods->xSectorSize(real(file));
}

int walDeviceCharacteristics(sqlite3_file* file)
{
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}

// Version 1: SQLite maps shared memory and pages through the database
// file, never through its WAL.
const sqlite3_io_methods kWalMethods = {1,
                                         walClose,
                                         walRead,
                                         walWrite,
                                         walTruncate,
                                         walSync,
                                         walFileSize,
                                         walLock,
                                         walUnlock,
                                         walCheckReservedLock,
                                         walFileControl,
                                         walSectorSize,
                                         walDeviceCharacteristics,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr};

int gatheringOpen(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* outFlags)
{
    if (!(flags & SQLITE_OPEN_WAL)) // the default VFS's file, where SQLite put it
        return defaultVfs->xOpen(defaultVfs, name, file, flags, outFlags);
    WalFile& wal = walFile(file);
    wal.base.pMethods = nullptr; // until open: SQLite calls no method of a file that failed to open
    wal.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealFileOffset);
    wal.held = new (std::nothrow) Held;
    if (!wal.held)
        return SQLITE_NOMEM;
    const int rc = defaultVfs->xOpen(defaultVfs, name, wal.real, flags, outFlags);
    if (rc != SQLITE_OK) {
        delete wal.held;
        wal.held = nullptr;
        return rc;
    }
    wal.base.pMethods = &kWalMethods;
    return SQLITE_OK;
}

const char* registerVfs()
{
    defaultVfs = sqlite3_vfs_find(nullptr);
    if (!defaultVfs)
        return nullptr;
    // The default VFS in all but opening files; its other functions get
    // this copy of its fields (the same pAppData, sizes and limits).
    gatheringVfs = *defaultVfs;
    gatheringVfs.pNext = nullptr;
    gatheringVfs.zName = "si-wal-gathering";
    gatheringVfs.szOsFile = static_cast<int>(kRealFileOffset) + defaultVfs->szOsFile;
    gatheringVfs.xOpen = gatheringOpen;
    if (sqlite3_vfs_register(&gatheringVfs, 0) != SQLITE_OK)
        return nullptr;
    return gatheringVfs.zName;
}

} // namespace

const char* walWriteGatheringVfs()
{
    static const char* const name = registerVfs();
    return name;
}

} // namespace si
