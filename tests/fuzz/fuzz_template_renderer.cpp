// The page templates rendered with hostile values: every variable the chosen
// page (or the layout) names gets attacker-chosen text (or a flag, or a list
// of items with hostile text), on every page. Checks that no value reaches
// the page unescaped, and htmlEscape / builtInErrorPage directly.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzCheck.h"
#include "core/Text.h"
#include "web/TemplateRenderer.h"

using namespace si;

namespace {

// Every hostile value starts with this: escaped, it reads "&lt;si-fuzz", so
// finding it verbatim in a page means a value went in raw.
const std::string kMarker = "<si-fuzz ";

TemplateRenderer* renderer = nullptr;

/// The names a render of one page (inside the layout) can look up: there are
/// no dotted names and no partials, so a value for any other name could never
/// be printed, and filling it would only cost time.
struct PageNames {
    std::vector<std::string> all; // every {{name}} the page or the layout uses, but "body"
    // Per section name: every name used between {{#name}} (or {{^name}}) and
    // its {{/name}}, nested sections included: the only names looked up in a
    // list item (a name outside the section never reaches the item).
    std::map<std::string, std::vector<std::string>> inside;
};

// Built once (LLVMFuzzerInitialize), read by every input.
struct Fixture {
    std::vector<PageNames> pages; // in TemplateRenderer::pageNames() order
    // builtInErrorPage(500, "", ""): its markup does not change.
    std::size_t plainSpecials[4] = {};
};
Fixture fixture;

PageNames tagNames(const std::string& dir, const std::string& page)
{
    std::set<std::string> found;
    std::map<std::string, std::set<std::string>> inside;
    for (const std::string& file : {dir + "/" + page + ".html", dir + "/layout.html"}) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        const std::string s = text.str();
        std::vector<std::string> open; // the sections around the current tag
        for (std::size_t pos = s.find("{{"); pos != std::string::npos; pos = s.find("{{", pos + 2)) {
            const std::size_t end = s.find("}}", pos);
            if (end == std::string::npos)
                break;
            std::string tag = s.substr(pos + 2, end - pos - 2);
            const char kind = tag.empty() ? '\0' : tag[0];
            if (kind == '#' || kind == '^' || kind == '/')
                tag.erase(0, 1);
            if (tag.empty() || tag[0] == '!' || tag[0] == '{' || tag == "body")
                continue;
            if (kind == '/') {
                if (!open.empty() && open.back() == tag)
                    open.pop_back();
                continue;
            }
            found.insert(tag);
            for (const std::string& section : open)
                inside[section].insert(tag);
            if (kind == '#' || kind == '^')
                open.push_back(tag);
        }
    }
    PageNames names;
    names.all.assign(found.begin(), found.end());
    for (const std::string& name : names.all) {
        const std::set<std::string>& used = inside[name];
        names.inside[name].assign(used.begin(), used.end());
    }
    return names;
}

/// The same value with every character escaping exists for made harmless.
std::string defused(std::string text)
{
    std::replace_if(text.begin(), text.end(), [](char c) { return c == '<' || c == '>' || c == '"' || c == '\'' || c == '&'; }, 'x');
    return text;
}

struct Pair {
    TemplateValues hostile;
    TemplateValues defused;
};

void setText(Pair& values, const std::string& key, const std::string& text)
{
    values.hostile.set(key, text);
    values.defused.set(key, defused(text));
}

/// Values for `names`; at depth 0 a name may also get a list of 0–3 items,
/// each filled (at depth 1) for the names used inside that section.
Pair fill(FuzzedDataProvider& input, const PageNames& page, const std::vector<std::string>& names, int depth)
{
    Pair values;
    for (const std::string& name : names) {
        const int kind = input.ConsumeIntegralInRange(0, depth == 0 ? 5 : 4);
        if (kind == 0) {
            const bool flag = input.ConsumeBool();
            values.hostile.set(name, flag);
            values.defused.set(name, flag);
        } else if (kind == 1) {
            setText(values, name, "");
        } else if (kind == 5) {
            const int count = input.ConsumeIntegralInRange(0, 3);
            // An empty list: no entry would do too, but both sides must agree.
            values.hostile.set(name, false);
            values.defused.set(name, false);
            for (int i = 0; i < count; ++i) {
                Pair item = fill(input, page, page.inside.at(name), depth + 1);
                values.hostile.add(name, item.hostile);
                values.defused.add(name, item.defused);
            }
        } else {
            setText(values, name, kMarker + input.ConsumeRandomLengthString(200) + "\"'>&");
        }
    }
    return values;
}

// The checks' own loops run over whole pages for every input: they are kept
// out of the coverage instrumentation (their branches say nothing about the
// code under test, and tracing every compare made them the slowest part).
#define SI_FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))

constexpr char kSpecials[4] = {'<', '>', '"', '\''};

/// How many of each of kSpecials `html` holds, in one pass.
SI_FUZZ_NO_COVERAGE void countSpecials(std::string_view html, std::size_t (&counts)[4])
{
    std::fill(counts, counts + 4, 0);
    for (char c : html) {
        for (int i = 0; i < 4; ++i)
            counts[i] += c == kSpecials[i];
    }
}

/// `text` contains `part` (a plain loop: std::string::find goes through the
/// fuzzer's memcmp hook at every '<' of a page).
SI_FUZZ_NO_COVERAGE bool containsPlain(std::string_view text, std::string_view part)
{
    if (part.size() > text.size())
        return false;
    for (std::size_t i = 0; i + part.size() <= text.size(); ++i) {
        std::size_t j = 0;
        while (j < part.size() && text[i + j] == part[j])
            ++j;
        if (j == part.size())
            return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    renderer = new TemplateRenderer(TemplateRenderer::load(SI_SOURCE_DIR "/templates"));
    for (const std::string& page : TemplateRenderer::pageNames())
        fixture.pages.push_back(tagNames(SI_SOURCE_DIR "/templates", page));
    countSpecials(builtInErrorPage(500, "", ""), fixture.plainSpecials);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider input(data, size);

    // htmlEscape on its own: none of the five specials survive, and '&' only
    // starts one of the five entities.
    const std::string raw = input.ConsumeRandomLengthString(500);
    const std::string escaped = htmlEscape(raw);
    SI_FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos, logSafe(escaped));
    for (std::size_t i = escaped.find('&'); i != std::string::npos; i = escaped.find('&', i + 1)) {
        const std::string_view rest = std::string_view(escaped).substr(i);
        SI_FUZZ_CHECK(rest.rfind("&amp;", 0) == 0 || rest.rfind("&lt;", 0) == 0 || rest.rfind("&gt;", 0) == 0 ||
                          rest.rfind("&quot;", 0) == 0 || rest.rfind("&#39;", 0) == 0,
                      logSafe(escaped));
    }

    // The built-in page has the same markup whatever its text says.
    const std::string message = input.ConsumeRandomLengthString(200);
    std::size_t builtInSpecials[4];
    countSpecials(builtInErrorPage(500, raw, message), builtInSpecials);
    for (int i = 0; i < 4; ++i)
        SI_FUZZ_CHECK(builtInSpecials[i] == fixture.plainSpecials[i], std::string(1, kSpecials[i]) + " " + logSafe(raw));

    // A page rendered with hostile values has exactly the markup of the same
    // page rendered with the values defused: no value added a tag, an
    // attribute or a quote.
    const std::size_t pageIndex = input.ConsumeIntegralInRange<std::size_t>(0, TemplateRenderer::pageNames().size() - 1);
    const std::string& page = TemplateRenderer::pageNames()[pageIndex];
    const PageNames& names = fixture.pages[pageIndex];
    Pair values = fill(input, names, names.all, 0);
    setText(values, "title", kMarker + input.ConsumeRandomLengthString(100));

    const std::string html = renderer->render(page, values.hostile);
    const std::string reference = renderer->render(page, values.defused);
    SI_FUZZ_CHECK(!containsPlain(html, kMarker), page + ": " + logSafe(html, 2000));
    std::size_t htmlSpecials[4];
    std::size_t referenceSpecials[4];
    countSpecials(html, htmlSpecials);
    countSpecials(reference, referenceSpecials);
    for (int i = 0; i < 4; ++i)
        SI_FUZZ_CHECK(htmlSpecials[i] == referenceSpecials[i],
                      page + " '" + std::string(1, kSpecials[i]) + "': " + logSafe(html, 2000));
    return 0;
}
