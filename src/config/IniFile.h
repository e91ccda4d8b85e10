#pragma once
// The INI syntax of the configuration file, read exactly as Poco 1.11's
// Util::IniFileConfiguration reads it (the program used that class before;
// this keeps every accepted file meaning the same without linking Poco Util):
//   - leading whitespace is skipped; a line starting with ';' is a comment
//     ('#' is not: such a line is a key like any other);
//   - '[' starts a section name, ended by ']' or the end of the line; text
//     after the ']' is read as if it were a line of its own;
//   - anything else is `key = value` up to the end of the line; a line
//     without '=' is a key with an empty value;
//   - keys and values are trimmed of ASCII whitespace; the property's name
//     is "section.key" ("key" before any section);
//   - names are case-insensitive (ASCII); a name set again keeps its last value.
#include <map>
#include <optional>
#include <string>

namespace si {

class IniFile {
public:
    /// Parses `text`; never throws (every text is some INI file).
    static IniFile parse(const std::string& text);

    /// The value of "section.key" (any letter case), or nothing when absent.
    std::optional<std::string> get(const std::string& name) const;

    /// How many distinct names are set.
    std::size_t size() const { return _values.size(); }

private:
    /// ASCII case-insensitive order, as Poco::icompare.
    struct CaseInsensitiveLess {
        bool operator()(const std::string& a, const std::string& b) const;
    };
    std::map<std::string, std::string, CaseInsensitiveLess> _values;
};

} // namespace si
