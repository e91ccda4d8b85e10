#include "web/TemplateRenderer.h"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>

namespace si {

namespace mustache = kainjow::mustache;

// ---- TemplateValues -------------------------------------------------------

namespace {

// Copies share one map until either side changes it, so a TemplateValues
// behaves like a value (adding `item` to a list, then changing `item`, leaves
// the list alone).
void detach(std::shared_ptr<std::map<std::string, TemplateValues::Entry>>& entries)
{
    if (entries.use_count() > 1) {
        entries = std::make_shared<std::map<std::string, TemplateValues::Entry>>(*entries);
    }
}

} // namespace

TemplateValues& TemplateValues::set(const std::string& key, const std::string& value)
{
    detach(_entries);
    Entry entry;
    entry.kind = Entry::Kind::Text;
    entry.text = value;
    (*_entries)[key] = std::move(entry);
    return *this;
}

TemplateValues& TemplateValues::set(const std::string& key, bool flag)
{
    detach(_entries);
    Entry entry;
    entry.kind = Entry::Kind::Flag;
    entry.flag = flag;
    (*_entries)[key] = std::move(entry);
    return *this;
}

TemplateValues& TemplateValues::add(const std::string& key, const TemplateValues& item)
{
    detach(_entries);
    Entry& entry = (*_entries)[key];
    if (entry.kind != Entry::Kind::List) {
        entry = Entry();
        entry.kind = Entry::Kind::List;
    }
    entry.list.push_back(item);
    return *this;
}

// ---- Escaping and the built-in page ---------------------------------------

std::string htmlEscape(const std::string& text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string builtInErrorPage(int status, const std::string& heading, const std::string& message)
{
    // Self-contained on purpose: it is used when the template folder (and so
    // the stylesheet's neighbours) cannot be trusted. The caller's CSP may
    // block the <style> block; the page stays readable without it.
    const std::string h = htmlEscape(heading);
    std::ostringstream page;
    page << "<!DOCTYPE html>\n"
            "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"robots\" content=\"noindex\">\n"
         << "<title>" << status << " " << h << "</title>\n"
         << "<style>body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
            "background:#f6f9fc;color:#1a1f36}main{max-width:32rem;margin:10vh auto;padding:2rem 1.5rem;"
            "background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.08)}"
            "h1{font-size:1.375rem;margin:0 0 .5rem}p{margin:0 0 1rem}.status{color:#4f566b;font-size:.875rem}</style>\n"
            "</head>\n<body>\n<main>\n"
         << "<h1>" << h << "</h1>\n"
         << "<p>" << htmlEscape(message) << "</p>\n"
         << "<p class=\"status\">Error " << status << "</p>\n"
         << "</main>\n</body>\n</html>\n";
    return page.str();
}

// ---- Loading and rendering ------------------------------------------------

namespace {

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw TemplateError("Template " + path + " is missing or unreadable; check the templates folder setting.");
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) {
        throw TemplateError("Template " + path + " could not be read.");
    }
    return content.str();
}

/// The tag starting at `pos` ("{{" already matched) as written, for messages.
std::string tagAt(const std::string& text, std::size_t pos)
{
    const std::size_t end = text.find("}}", pos + 2);
    const std::size_t length = end == std::string::npos ? 20 : end + 2 - pos;
    return text.substr(pos, std::min<std::size_t>(length, 40));
}

std::string trimmed(const std::string& text, std::size_t from, std::size_t to)
{
    while (from < to && std::isspace(static_cast<unsigned char>(text[from])))
        ++from;
    while (to > from && std::isspace(static_cast<unsigned char>(text[to - 1])))
        --to;
    return text.substr(from, to - from);
}

/// Checks every tag of a template before it is compiled.
///
/// Refuses every Mustache tag that could print a value unescaped. kainjow
/// reads "{{{" as raw, trims a tag's contents and then reads '&' as raw, '>'
/// as a partial (which renders a *value* as a template, unescaped) and '=' as
/// a delimiter change (after which this scan would be blind). Refusing all
/// four keeps the scan complete. `allowedRaw` names the one variable the
/// layout may insert raw ("body"); empty for pages.
///
/// Also finds, as kainjow's parser would and with its words, a tag that is
/// never closed and a section closed without being opened, or left open or
/// closed under another name: so that TemplateCompile::OnFirstUse still
/// refuses such a file at load.
void checkTags(const std::string& path, const std::string& text, const std::string& allowedRaw)
{
    const auto invalid = [&path](const std::string& problem) {
        return TemplateError("Template " + path + " is not valid Mustache: " + problem);
    };
    struct Open {
        std::string name;
        std::size_t at;
    };
    std::vector<Open> sections;
    std::size_t pos = text.find("{{");
    while (pos != std::string::npos) {
        const bool triple = pos + 2 < text.size() && text[pos + 2] == '{';
        const std::size_t contents = pos + (triple ? 3 : 2);
        const std::size_t end = text.find(triple ? "}}}" : "}}", contents);
        if (end == std::string::npos)
            throw invalid("Unclosed tag at " + std::to_string(pos));
        const std::string tag = trimmed(text, contents, end);
        const char kind = tag.empty() ? '\0' : tag[0];
        const bool allowed = triple && !allowedRaw.empty() && tag == allowedRaw;
        if (!allowed && (triple || kind == '&' || kind == '>' || kind == '=')) {
            const std::string what = triple || kind == '&' ? "an unescaped variable"
                                   : kind == '>'          ? "a partial"
                                                          : "a delimiter change";
            throw TemplateError("Template " + path + " contains " + what + " (" + tagAt(text, pos) +
                                "); pages may only use escaped {{name}} tags and sections" +
                                (allowedRaw.empty() ? "" : ", and the layout only {{{" + allowedRaw + "}}}") + ".");
        }
        if (!triple && (kind == '#' || kind == '^')) {
            sections.push_back({trimmed(tag, 1, tag.size()), pos});
        } else if (!triple && kind == '/') {
            const std::string name = trimmed(tag, 1, tag.size());
            if (sections.empty())
                throw invalid("Unopened section \"" + name + "\" at " + std::to_string(pos));
            if (sections.back().name != name)
                throw invalid("Unclosed section \"" + sections.back().name + "\" at " +
                              std::to_string(sections.back().at));
            sections.pop_back();
        }
        pos = text.find("{{", end + (triple ? 3 : 2));
    }
    if (!sections.empty())
        throw invalid("Unclosed section \"" + sections.back().name + "\" at " + std::to_string(sections.back().at));
}

/// One template file: read and checked at load, compiled at load or on its
/// first render (TemplateCompile).
struct TemplateFile {
    std::string path;
    std::string text; ///< dropped once compiled
    std::once_flag compileOnce;
    std::unique_ptr<mustache::mustache> compiled;
    std::string error; ///< why it did not compile

    TemplateFile(std::string filePath, const std::string& allowedRaw) : path(std::move(filePath)), text(readFile(path))
    {
        checkTags(path, text, allowedRaw);
    }

    /// The compiled template. Throws TemplateError naming the file when it
    /// is not valid Mustache.
    mustache::mustache& get()
    {
        std::call_once(compileOnce, [this] {
            auto candidate = std::make_unique<mustache::mustache>(text);
            if (!candidate->is_valid()) {
                error = "Template " + path + " is not valid Mustache: " + candidate->error_message();
                return;
            }
            candidate->set_custom_escape(htmlEscape);
            compiled = std::move(candidate);
            text = std::string();
        });
        if (!compiled)
            throw TemplateError(error);
        return *compiled;
    }
};

mustache::data toData(const TemplateValues& values)
{
    mustache::data object(mustache::data::type::object);
    for (const auto& [key, entry] : values.entries()) {
        switch (entry.kind) {
        case TemplateValues::Entry::Kind::Text:
            // Empty text is falsy (as in mustache.js), so an optional link set
            // to "" hides its {{#name}} section; {{name}} prints nothing.
            if (entry.text.empty()) {
                object.set(key, mustache::data(false));
            } else {
                object.set(key, mustache::data(entry.text));
            }
            break;
        case TemplateValues::Entry::Kind::Flag:
            object.set(key, mustache::data(entry.flag));
            break;
        case TemplateValues::Entry::Kind::List: {
            mustache::data list(mustache::data::type::list);
            for (const TemplateValues& item : entry.list) {
                list.push_back(toData(item));
            }
            object.set(key, list);
            // Mustache cannot ask "is this list empty?" without looping, so a
            // wrapper (a heading above the list) tests has_<key> instead.
            if (values.entries().count("has_" + key) == 0) {
                object.set("has_" + key, mustache::data(!entry.list.empty()));
            }
            break;
        }
        }
    }
    return object;
}

} // namespace

struct TemplateRenderer::Impl {
    std::string dir;
    // kainjow's render() is not const, but with only strings, flags and lists
    // as data (no lambdas, no partials: refused at load) it reads the
    // compiled tree and writes only per-call state, so one renderer can serve
    // several threads.
    std::unique_ptr<TemplateFile> layout;
    std::map<std::string, std::unique_ptr<TemplateFile>> pages;
};

const std::vector<std::string>& TemplateRenderer::pageNames()
{
    static const std::vector<std::string> names = {"install",     "success",     "failure", "message",
                                                    "dev-consent", "admin-login", "admin",   "admin-install"};
    return names;
}

TemplateRenderer TemplateRenderer::load(const std::string& dir, TemplateCompile when)
{
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    impl->layout = std::make_unique<TemplateFile>(base + "layout.html", "body");
    for (const std::string& name : pageNames())
        impl->pages.emplace(name, std::make_unique<TemplateFile>(base + name + ".html", ""));
    if (when == TemplateCompile::AtLoad) {
        impl->layout->get();
        for (const auto& entry : impl->pages)
            entry.second->get();
    }
    return TemplateRenderer(std::move(impl));
}

std::string TemplateRenderer::render(const std::string& name, const TemplateValues& values) const
{
    const auto page = _impl->pages.find(name);
    if (page == _impl->pages.end()) {
        throw TemplateError("No template named \"" + name + "\"; known pages are install, success, failure, "
                            "message, dev-consent, admin-login, admin and admin-install.");
    }
    const auto title = values.entries().find("title");
    if (title == values.entries().end() || title->second.kind != TemplateValues::Entry::Kind::Text ||
        title->second.text.empty()) {
        throw TemplateError("Rendering " + name + ".html needs a non-empty \"title\" value.");
    }

    mustache::mustache& pageTemplate = page->second->get();
    mustache::mustache& layout = _impl->layout->get();
    mustache::data data = toData(values);
    const std::string body = pageTemplate.render(data);
    if (!pageTemplate.is_valid()) {
        throw TemplateError("Rendering " + page->second->path + " failed: " + pageTemplate.error_message());
    }
    data.set("body", mustache::data(body));
    std::string html = layout.render(data);
    if (!layout.is_valid()) {
        throw TemplateError("Rendering " + _impl->layout->path + " failed: " + layout.error_message());
    }
    return html;
}

TemplateRenderer::TemplateRenderer(std::unique_ptr<Impl> impl) : _impl(std::move(impl)) {}
TemplateRenderer::TemplateRenderer(TemplateRenderer&&) noexcept = default;
TemplateRenderer& TemplateRenderer::operator=(TemplateRenderer&&) noexcept = default;
TemplateRenderer::~TemplateRenderer() = default;

} // namespace si
