#pragma once
// Invariant checks for the fuzz targets: a broken invariant prints what broke
// and aborts, which libFuzzer reports as a crash and saves the input for.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define SI_FUZZ_CHECK(condition, what)                                                             \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__,       \
                         #condition, std::string(what).c_str());                                   \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace si::fuzz {

inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

/// logSafe's promise: printable ASCII only, except the "…" it appends when it cuts.
inline bool isLogSafe(std::string_view text)
{
    static constexpr std::string_view ellipsis = "\xE2\x80\xA6";
    if (text.size() >= ellipsis.size() && text.substr(text.size() - ellipsis.size()) == ellipsis)
        text.remove_suffix(ellipsis.size());
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E)
            return false;
    return true;
}

} // namespace si::fuzz
