// Query strings and form bodies as browsers (and attackers) send them:
// QueryString::parse and formDecode, plus the text helpers every decoded
// value passes through on its way to a log line or a URL (logSafe,
// percentEncode, isValidUtf8).
#include <cctype>
#include <set>
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "core/QueryString.h"
#include "core/Text.h"

using namespace si;
using si::fuzz::isLogSafe;

namespace {

void checkLogSafe(std::string_view text, std::size_t maxLength)
{
    const std::string safe = logSafe(text, maxLength);
    SI_FUZZ_CHECK(isLogSafe(safe), safe);
    SI_FUZZ_CHECK(safe.find('"') == std::string::npos, safe);
    // Every backslash starts a \xNN escape: nothing the input wrote can pass as one.
    for (std::size_t i = safe.find('\\'); i != std::string::npos; i = safe.find('\\', i + 1)) {
        SI_FUZZ_CHECK(i + 4 <= safe.size() && safe[i + 1] == 'x' && std::isxdigit(static_cast<unsigned char>(safe[i + 2])) &&
                          std::isxdigit(static_cast<unsigned char>(safe[i + 3])),
                      safe);
    }
    // Cut to maxLength (one escape may straddle it) plus the ellipsis.
    SI_FUZZ_CHECK(safe.size() <= maxLength + 3 + 3, safe);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view raw(reinterpret_cast<const char*>(data), size);

    const QueryString::Parsed parsed = QueryString::parse(raw);
    if (parsed.ok()) {
        std::set<std::string> keys;
        for (const auto& [key, value] : parsed.query.params()) {
            SI_FUZZ_CHECK(isValidUtf8(key) && isValidUtf8(value), logSafe(key) + "=" + logSafe(value));
            SI_FUZZ_CHECK(key.find('\0') == std::string::npos && value.find('\0') == std::string::npos, logSafe(key));
            SI_FUZZ_CHECK(keys.insert(key).second, "repeated key accepted: " + logSafe(key));
            SI_FUZZ_CHECK(parsed.query.get(key) == value, logSafe(key));
            // Whatever was accepted survives an encode/decode round trip.
            SI_FUZZ_CHECK(formDecode(percentEncode(value)) == value, logSafe(value));
        }
    } else {
        SI_FUZZ_CHECK(parsed.query.params().empty() || !parsed.error.empty(), parsed.error);
        // The reason is written for people and logs; it must not carry raw bytes.
        SI_FUZZ_CHECK(isValidUtf8(parsed.error), logSafe(parsed.error));
    }

    if (const auto decoded = formDecode(raw)) {
        const std::string encoded = percentEncode(*decoded);
        for (char c : encoded)
            SI_FUZZ_CHECK(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                              c == '~' || c == '%',
                          encoded);
        SI_FUZZ_CHECK(formDecode(encoded) == *decoded, encoded);
    }

    // UTF-8 validity agrees with itself on every prefix ending at a char boundary.
    if (raw.size() <= 256 && isValidUtf8(raw)) {
        for (std::size_t i = 0; i <= raw.size(); ++i) {
            if (i == raw.size() || (static_cast<unsigned char>(raw[i]) & 0xC0) != 0x80)
                SI_FUZZ_CHECK(isValidUtf8(raw.substr(0, i)), "prefix " + std::to_string(i));
        }
    }

    checkLogSafe(raw, 80);
    checkLogSafe(raw, size == 0 ? 0 : data[0] % 16);
    return 0;
}
