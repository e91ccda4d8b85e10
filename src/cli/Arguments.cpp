#include "cli/Arguments.h"

#include <cerrno>
#include <cstdlib>

namespace si::cli {

bool Arguments::flag(const std::string& name)
{
    if (!done() && peek() == name) {
        ++_next;
        return true;
    }
    return false;
}

std::optional<std::string> Arguments::option(const std::string& name)
{
    if (done())
        return std::nullopt;
    const std::string& word = peek();
    if (word == name) {
        ++_next;
        if (done())
            throw UsageError(name + " needs a value");
        return take();
    }
    if (word.rfind(name + "=", 0) == 0) {
        ++_next;
        return word.substr(name.size() + 1);
    }
    return std::nullopt;
}

long long parseInteger(const std::string& text, const std::string& what)
{
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || errno != 0 || *end != '\0')
        throw UsageError(what + " must be a whole number, not \"" + text + "\"");
    return value;
}

} // namespace si::cli
