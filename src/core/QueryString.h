#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace si {

/// A decoded query string (or form body) whose every key appears once.
class QueryString {
public:
    /// The value of `key`, if present.
    std::optional<std::string> get(std::string_view key) const;
    bool has(std::string_view key) const { return get(key).has_value(); }
    const std::vector<std::pair<std::string, std::string>>& params() const { return _params; }

    /// Decodes `raw` exactly as a browser sends it: `&`-separated `key=value`
    /// pairs, `%XX` escapes, `+` as a space. Refuses, with a reason a person
    /// can act on: an invalid percent-escape, a key or value that is not valid
    /// UTF-8 or holds a NUL byte, and a repeated key (ambiguous: which one did
    /// the signer mean?). Empty pairs (`a=1&&b=2`) are skipped.
    struct Parsed;
    static Parsed parse(std::string_view raw);

private:
    std::vector<std::pair<std::string, std::string>> _params;
};

struct QueryString::Parsed {
    QueryString query;
    std::string error; ///< empty when the query was accepted
    bool ok() const { return error.empty(); }
};

/// Decodes `%XX` and `+` in one component; nullopt on an invalid escape.
std::optional<std::string> formDecode(std::string_view component);

} // namespace si
