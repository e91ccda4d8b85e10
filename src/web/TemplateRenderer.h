#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace si {

class TemplateValues;

/// One value in a TemplateValues: a string, a flag, or a list of nested values.
struct TemplateEntry {
    enum class Kind { Text, Flag, List } kind = Kind::Text;
    std::string text;
    bool flag = false;
    std::vector<TemplateValues> list;
};

/// Values for one template: strings, flags and lists of nested values.
/// Every string is HTML-escaped when rendered with {{name}}.
class TemplateValues {
public:
    using Entry = TemplateEntry;

    TemplateValues& set(const std::string& key, const std::string& value);
    TemplateValues& set(const std::string& key, const char* value) { return set(key, std::string(value)); }
    TemplateValues& set(const std::string& key, bool flag);
    /// Appends `item` to the list `key` (for {{#key}}…{{/key}} sections).
    TemplateValues& add(const std::string& key, const TemplateValues& item);

    const std::map<std::string, Entry>& entries() const { return *_entries; }

private:
    std::shared_ptr<std::map<std::string, Entry>> _entries = std::make_shared<std::map<std::string, Entry>>();
};

/// A template file missing, unreadable, or not valid Mustache. The message
/// names the file and, for syntax errors, what is wrong.
class TemplateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// When load() compiles the pages.
enum class TemplateCompile {
    /// All of them, now: every Mustache error is found at start-up. For
    /// processes that serve many requests.
    AtLoad,
    /// Each on its first render (thread-safe): a plain CGI process renders
    /// one page, and compiling all nine costs about 1 ms per request. load()
    /// still reads every file and checks its tags (raw output, sections
    /// opened and closed, tags closed), which finds what a template edit
    /// usually breaks; anything else surfaces as a TemplateError from render().
    OnFirstUse,
};

/// The page templates, loaded once per process from a folder (editable
/// without a rebuild). Pages are Mustache; each is rendered and then placed
/// into layout.html as its {{{body}}}, the only raw insertion.
class TemplateRenderer {
public:
    /// Every page the program renders. load() requires each of them.
    static const std::vector<std::string>& pageNames();

    /// Loads layout.html and every page from `dir`. Throws TemplateError
    /// naming the first file that is missing, unreadable, prints a value
    /// unescaped or does not parse (with OnFirstUse: whose tags or sections
    /// are not closed).
    static TemplateRenderer load(const std::string& dir, TemplateCompile when = TemplateCompile::AtLoad);

    /// Renders page `name` (e.g. "install") inside the layout. `values` must
    /// include "title". Throws TemplateError if rendering fails.
    std::string render(const std::string& name, const TemplateValues& values) const;

    /// What render() returns, rendered straight through kainjow every time:
    /// the reference render()'s once-per-shape rendering is tested and fuzzed
    /// against.
    std::string renderUncached(const std::string& name, const TemplateValues& values) const;

    TemplateRenderer(TemplateRenderer&&) noexcept;
    TemplateRenderer& operator=(TemplateRenderer&&) noexcept;
    ~TemplateRenderer();

private:
    struct Impl;
    explicit TemplateRenderer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> _impl;
};

/// The page shown when the templates themselves cannot be used: built in,
/// plain, escaped, and dependent on no file.
std::string builtInErrorPage(int status, const std::string& heading, const std::string& message);

/// HTML-escapes & < > " ' (for the built-in page and anything outside Mustache).
std::string htmlEscape(const std::string& text);
/// htmlEscape(text), appended to `out`.
void appendHtmlEscaped(std::string& out, const std::string& text);

} // namespace si
