#include "config/IniFile.h"

#include <algorithm>

namespace si {
namespace {

// Poco::Ascii::isSpace and toLower: ASCII only, whatever the locale.
bool isSpace(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string trim(const std::string& text)
{
    std::size_t begin = 0, end = text.size();
    while (begin < end && isSpace(text[begin]))
        ++begin;
    while (end > begin && isSpace(text[end - 1]))
        --end;
    return text.substr(begin, end - begin);
}

} // namespace

bool IniFile::CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const
{
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return static_cast<unsigned char>(lower(x)) < static_cast<unsigned char>(lower(y));
    });
}

IniFile IniFile::parse(const std::string& text)
{
    // One step of Poco's parseLine per loop turn, over the same characters:
    // a section header ends at its ']', so what follows it on the line is
    // read by the next turn.
    IniFile ini;
    std::string section;
    std::size_t at = 0;
    const std::size_t end = text.size();
    while (at < end) {
        while (at < end && isSpace(text[at]))
            ++at;
        if (at == end)
            break;
        if (text[at] == ';') {
            while (at < end && text[at] != '\n')
                ++at;
        } else if (text[at] == '[') {
            const std::size_t stop = text.find_first_of("]\n", ++at);
            const std::size_t close = stop == std::string::npos ? end : stop;
            section = trim(text.substr(at, close - at));
            at = close == end ? end : close + 1;
        } else {
            const std::size_t stop = text.find_first_of("=\n", at);
            const std::size_t keyEnd = stop == std::string::npos ? end : stop;
            std::string key = trim(text.substr(at, keyEnd - at));
            std::string value;
            at = keyEnd;
            if (at < end && text[at] == '=') {
                const std::size_t lineEnd = std::min(text.find('\n', at + 1), end);
                value = trim(text.substr(at + 1, lineEnd - at - 1));
                at = lineEnd;
            }
            if (at < end)
                ++at; // the '\n'
            ini._values[section.empty() ? key : section + "." + key] = std::move(value);
        }
    }
    return ini;
}

std::optional<std::string> IniFile::get(const std::string& name) const
{
    const auto found = _values.find(name);
    if (found == _values.end())
        return std::nullopt;
    return found->second;
}

} // namespace si
