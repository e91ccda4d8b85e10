// The Cookie request header: findCookie, as App reads the browser binding.
// Input: the cookie name to look for, a NUL, then the header (no NUL: the
// whole input is the header and the program's own cookie name is sought).
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "core/Cookies.h"
#include "core/Text.h"

using namespace si;

namespace {

void check(std::string_view header, std::string_view name)
{
    const auto value = findCookie(header, name);
    if (!value)
        return;
    SI_FUZZ_CHECK(fuzz::contains(header, *value), logSafe(*value));
    SI_FUZZ_CHECK(value->find(';') == std::string::npos, logSafe(*value));
    SI_FUZZ_CHECK(fuzz::contains(header, name), logSafe(name));
    // Stable: the cookie found, put in front of the header, is the one found.
    const std::string again = std::string(name) + "=" + *value + "; " + std::string(header);
    if (!name.empty() && name.find_first_of(";= \t") == std::string_view::npos && value->find('"') == std::string::npos &&
        trimWhitespace(*value) == *value) {
        SI_FUZZ_CHECK(findCookie(again, name) == value, logSafe(again));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = input.find('\0');
    if (nul == std::string_view::npos) {
        check(input, "stripe_install_browser");
    } else {
        check(input.substr(nul + 1), input.substr(0, nul));
    }
    return 0;
}
