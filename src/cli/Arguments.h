#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace si::cli {

/// A usage mistake on the command line: the command prints it with its help
/// hint and exits 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The words after a sub-command, read one by one. Options take the forms
/// `--name value` and `--name=value`; everything else is positional.
class Arguments {
public:
    explicit Arguments(std::vector<std::string> words) : _words(std::move(words)) {}

    bool done() const { return _next >= _words.size(); }
    /// The next word, which the caller inspects with isOption / takes.
    const std::string& peek() const { return _words.at(_next); }
    std::string take() { return _words.at(_next++); }

    /// If the next word is option `name` (a flag), consumes it.
    bool flag(const std::string& name);
    /// If the next word is option `name` with a value, consumes both and
    /// returns the value; throws UsageError when the value is missing.
    std::optional<std::string> option(const std::string& name);

private:
    std::vector<std::string> _words;
    std::size_t _next = 0;
};

/// Parses a whole decimal integer; throws UsageError naming `what` otherwise.
long long parseInteger(const std::string& text, const std::string& what);

} // namespace si::cli
