// What the shared writer's leader reads from another process's socket
// (src/store/SharedWriter.h): frames (WriteFrameReader), each decoded as the
// write its first field names (HandedWrites). Input: the bytes as they
// arrive, in one piece. A frame's fields written again read back the same;
// a write decoded, encoded and decoded again is the same write.
#include <string>

#include "FuzzCheck.h"
#include "core/Text.h"
#include "store/HandedWrites.h"
#include "store/WriteFrames.h"

using namespace si;

namespace {

template <class Decode, class Encode>
void checkStable(const WriteFields& fields, Decode decode, Encode encode)
{
    WriteFields once;
    try {
        once = encode(decode(fields));
    } catch (const WriteFrameError&) {
        return; // refused: not such a write
    }
    SI_FUZZ_CHECK(encode(decode(once)) == once, logSafe(once.front()));
}

void checkFrame(const WriteFields& fields)
{
    WriteFrameReader again;
    const std::string bytes = writeFrame(fields);
    again.append(bytes.data(), bytes.size());
    const auto read = again.next();
    SI_FUZZ_CHECK(read && *read == fields, "a frame written again reads back the same");
    SI_FUZZ_CHECK(again.buffered() == 0, "nothing left over");
    checkStable(fields, handed::saveStateFrom, handed::saveStateRequest);
    checkStable(fields, handed::consumeFrom, handed::consumeRequest);
    checkStable(fields, handed::webhookFrom, handed::webhookRequest);
    checkStable(fields, handed::consumeResultFrom, handed::consumeResult);
    checkStable(fields, handed::webhookResultFrom, handed::webhookResult);
    checkStable(fields, handed::saveStateResultFrom, handed::saveStateResult);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    WriteFrameReader reader;
    reader.append(reinterpret_cast<const char*>(data), size);
    try {
        while (auto fields = reader.next())
            checkFrame(*fields);
    } catch (const WriteFrameError&) {
        // Refused: the leader drops the connection.
    }
    SI_FUZZ_CHECK(reader.buffered() <= size, "never more buffered than arrived");
    return 0;
}
