#include "web/TemplateRenderer.h"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <random>
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
    appendHtmlEscaped(out, text);
    return out;
}

void appendHtmlEscaped(std::string& out, const std::string& text)
{
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

/// Stands in for the texts while a page's skeleton is rendered (Skeleton):
/// the renderer's random tag and the text's number, between \x01 bytes,
/// which htmlEscape leaves as they are.
struct Sentinels {
    std::string prefix; ///< "\x01" + tag + ":"
    std::size_t next = 0;
    std::string make() { return prefix + std::to_string(next++) + '\x01'; }
};

/// The values as kainjow data. With `sentinels`, every non-empty text is
/// replaced by the next sentinel, in the order describeShape() lists them.
mustache::data toData(const TemplateValues& values, Sentinels* sentinels = nullptr)
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
                object.set(key, mustache::data(sentinels ? sentinels->make() : entry.text));
            }
            break;
        case TemplateValues::Entry::Kind::Flag:
            object.set(key, mustache::data(entry.flag));
            break;
        case TemplateValues::Entry::Kind::List: {
            mustache::data list(mustache::data::type::list);
            for (const TemplateValues& item : entry.list) {
                list.push_back(toData(item, sentinels));
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

/// Appends to `key` what decides a page's markup: every value's name and
/// kind, each flag, each list's length (and its items' shapes) and whether
/// each text is empty; and appends to `texts` the non-empty texts, in the
/// order toData() meets them.
void describeShape(const TemplateValues& values, std::string& key, std::vector<const std::string*>& texts)
{
    for (const auto& [name, entry] : values.entries()) {
        key += std::to_string(name.size());
        key += ':';
        key += name;
        switch (entry.kind) {
        case TemplateValues::Entry::Kind::Text:
            key += entry.text.empty() ? 'e' : 't';
            if (!entry.text.empty())
                texts.push_back(&entry.text);
            break;
        case TemplateValues::Entry::Kind::Flag:
            key += entry.flag ? '1' : '0';
            break;
        case TemplateValues::Entry::Kind::List:
            key += 'l';
            key += std::to_string(entry.list.size());
            key += '[';
            for (const TemplateValues& item : entry.list) {
                describeShape(item, key, texts);
                key += '|';
            }
            key += ']';
            break;
        }
    }
}

/// A page rendered once for one shape of values, with a sentinel where each
/// text went: the literal markup between the places, and which text goes
/// in each place (a text may appear in several, or none).
struct Skeleton {
    std::vector<std::string> literals; ///< one more than places
    std::vector<std::size_t> places;   ///< index into the texts, in output order
    std::size_t texts = 0;             ///< how many texts the shape has
};

Skeleton splitAtSentinels(const std::string& html, const std::string& prefix, std::size_t texts)
{
    Skeleton skeleton;
    skeleton.texts = texts;
    std::size_t from = 0;
    for (std::size_t at = html.find(prefix); at != std::string::npos; at = html.find(prefix, from)) {
        const std::size_t digits = at + prefix.size();
        const std::size_t end = html.find('\x01', digits);
        std::size_t index = 0;
        bool valid = end != std::string::npos && end > digits;
        for (std::size_t i = digits; valid && i < end; ++i) {
            valid = html[i] >= '0' && html[i] <= '9' && end - digits <= 9;
            index = index * 10 + static_cast<std::size_t>(html[i] - '0');
        }
        if (!valid || index >= texts)
            throw TemplateError("Internal error: a rendered page holds a malformed placeholder.");
        skeleton.literals.push_back(html.substr(from, at - from));
        skeleton.places.push_back(index);
        from = end + 1;
    }
    skeleton.literals.push_back(html.substr(from));
    return skeleton;
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

    // Rendering through kainjow costs ~100k instructions a page, most of
    // every request's CPU; but a page's markup depends only on the shape of
    // its values (TemplateValues: which texts are empty, the flags, list
    // lengths). So each shape is rendered once, with sentinels in place of
    // the texts, and a request only escapes its texts into the places.
    std::string sentinelPrefix; ///< "\x01" + a random tag + ":"
    std::mutex skeletonsMutex;
    std::map<std::string, std::shared_ptr<const Skeleton>> skeletons; ///< by page name + shape
    static constexpr std::size_t kMaxSkeletons = 64;                  ///< then start over

    std::string renderThroughKainjow(TemplateFile& page, mustache::data data)
    {
        mustache::mustache& pageTemplate = page.get();
        mustache::mustache& layoutTemplate = layout->get();
        const std::string body = pageTemplate.render(data);
        if (!pageTemplate.is_valid())
            throw TemplateError("Rendering " + page.path + " failed: " + pageTemplate.error_message());
        data.set("body", mustache::data(body));
        std::string html = layoutTemplate.render(data);
        if (!layoutTemplate.is_valid())
            throw TemplateError("Rendering " + layout->path + " failed: " + layoutTemplate.error_message());
        return html;
    }
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
    std::random_device random;
    impl->sentinelPrefix = "\x01si" + std::to_string(random()) + "-" + std::to_string(random()) + ":";
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

namespace {

/// The page `name`, once the values are known to have a title. Throws
/// TemplateError.
TemplateFile& pageToRender(std::map<std::string, std::unique_ptr<TemplateFile>>& pages, const std::string& name,
                           const TemplateValues& values)
{
    const auto page = pages.find(name);
    if (page == pages.end()) {
        throw TemplateError("No template named \"" + name + "\"; known pages are install, success, failure, "
                            "message, dev-consent, admin-login, admin and admin-install.");
    }
    const auto title = values.entries().find("title");
    if (title == values.entries().end() || title->second.kind != TemplateValues::Entry::Kind::Text ||
        title->second.text.empty()) {
        throw TemplateError("Rendering " + name + ".html needs a non-empty \"title\" value.");
    }
    return *page->second;
}

} // namespace

std::string TemplateRenderer::renderUncached(const std::string& name, const TemplateValues& values) const
{
    return _impl->renderThroughKainjow(pageToRender(_impl->pages, name, values), toData(values));
}

std::string TemplateRenderer::render(const std::string& name, const TemplateValues& values) const
{
    TemplateFile& page = pageToRender(_impl->pages, name, values);

    std::string key = name + '\n';
    std::vector<const std::string*> texts;
    describeShape(values, key, texts);
    std::shared_ptr<const Skeleton> skeleton;
    {
        std::lock_guard<std::mutex> lock(_impl->skeletonsMutex);
        if (const auto found = _impl->skeletons.find(key); found != _impl->skeletons.end())
            skeleton = found->second;
    }
    if (!skeleton) {
        Sentinels sentinels{_impl->sentinelPrefix};
        const std::string html = _impl->renderThroughKainjow(page, toData(values, &sentinels));
        skeleton = std::make_shared<const Skeleton>(splitAtSentinels(html, _impl->sentinelPrefix, sentinels.next));
        std::lock_guard<std::mutex> lock(_impl->skeletonsMutex);
        if (_impl->skeletons.size() >= Impl::kMaxSkeletons)
            _impl->skeletons.clear();
        _impl->skeletons.emplace(key, skeleton);
    }
    if (skeleton->texts != texts.size()) // the key counts the texts: a bug if ever seen
        throw TemplateError("Internal error: a cached page does not match its values (" + name + ".html).");

    std::size_t size = 0;
    for (const std::string& literal : skeleton->literals)
        size += literal.size();
    for (const std::size_t index : skeleton->places)
        size += texts[index]->size() + 16;
    std::string html;
    html.reserve(size);
    for (std::size_t i = 0; i < skeleton->places.size(); ++i) {
        html += skeleton->literals[i];
        appendHtmlEscaped(html, *texts[skeleton->places[i]]);
    }
    html += skeleton->literals.back();
    return html;
}

TemplateRenderer::TemplateRenderer(std::unique_ptr<Impl> impl) : _impl(std::move(impl)) {}
TemplateRenderer::TemplateRenderer(TemplateRenderer&&) noexcept = default;
TemplateRenderer& TemplateRenderer::operator=(TemplateRenderer&&) noexcept = default;
TemplateRenderer::~TemplateRenderer() = default;

} // namespace si
