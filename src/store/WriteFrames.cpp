#include "store/WriteFrames.h"

namespace si {
namespace {

constexpr std::size_t kLengthBytes = 4;

void appendLength(std::string& out, std::size_t length)
{
    out.push_back(static_cast<char>((length >> 24) & 0xff));
    out.push_back(static_cast<char>((length >> 16) & 0xff));
    out.push_back(static_cast<char>((length >> 8) & 0xff));
    out.push_back(static_cast<char>(length & 0xff));
}

std::size_t lengthAt(const std::string& bytes, std::size_t at)
{
    const auto byte = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(bytes[at + i])); };
    return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

} // namespace

std::string writeFrame(const WriteFields& fields)
{
    std::string body;
    for (const std::string& field : fields) {
        appendLength(body, field.size());
        body += field;
        if (body.size() > kMostWriteFrameBytes)
            throw WriteFrameError("a write of more than " + std::to_string(kMostWriteFrameBytes) + " bytes");
    }
    std::string frame;
    frame.reserve(kLengthBytes + body.size());
    appendLength(frame, body.size());
    return frame + body;
}

std::optional<WriteFields> WriteFrameReader::next()
{
    if (buffered() < kLengthBytes)
        return std::nullopt;
    const std::size_t length = lengthAt(_buffered, _consumed);
    if (length > kMostWriteFrameBytes)
        throw WriteFrameError("a frame of " + std::to_string(length) + " bytes (at most " +
                              std::to_string(kMostWriteFrameBytes) + ")");
    if (buffered() < kLengthBytes + length)
        return std::nullopt;
    WriteFields fields;
    std::size_t at = _consumed + kLengthBytes;
    const std::size_t end = at + length;
    while (at < end) {
        if (end - at < kLengthBytes)
            throw WriteFrameError("a field's length cut short");
        const std::size_t size = lengthAt(_buffered, at);
        at += kLengthBytes;
        if (size > end - at)
            throw WriteFrameError("a field longer than its frame");
        fields.emplace_back(_buffered, at, size);
        at += size;
    }
    _consumed = end;
    if (_consumed == _buffered.size() || _consumed > kMostWriteFrameBytes) {
        _buffered.erase(0, _consumed);
        _consumed = 0;
    }
    return fields;
}

} // namespace si
