#pragma once
// The wire format between a process and the shared writer (SharedWriter.h):
// a frame is a list of byte strings. Each frame is a 4-byte big-endian
// length and then that many bytes, which are the fields, each again a
// 4-byte big-endian length and its bytes. Nothing here touches a socket.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace si {

using WriteFields = std::vector<std::string>;

/// A handed write's answer: the fields, or why it failed.
struct WriteAnswer {
    bool ok = true;
    WriteFields fields; ///< ok: the result; else one field, the error message
};

/// A frame larger than this is refused (a handed write is under 1 KiB).
constexpr std::size_t kMostWriteFrameBytes = 64 * 1024;

/// Thrown for bytes that are not a frame (too long, a field past its end).
class WriteFrameError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The frame holding `fields`. Throws WriteFrameError past kMostWriteFrameBytes.
std::string writeFrame(const WriteFields& fields);

/// Collects bytes as they arrive and hands out each whole frame.
class WriteFrameReader {
public:
    void append(const char* bytes, std::size_t count) { _buffered.append(bytes, count); }
    /// The next whole frame's fields, or nullopt until more bytes arrive.
    /// Throws WriteFrameError for bytes that cannot be a frame.
    std::optional<WriteFields> next();
    /// Bytes received that are not yet part of a frame handed out.
    std::size_t buffered() const { return _buffered.size() - _consumed; }

private:
    std::string _buffered;
    std::size_t _consumed = 0;
};

} // namespace si
