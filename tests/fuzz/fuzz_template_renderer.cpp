// The page templates rendered with hostile values: every variable any
// template names gets attacker-chosen text (or a flag, or a list of items
// with hostile text), on every page. Checks that no value reaches the page
// unescaped, and htmlEscape / builtInErrorPage directly.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
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
std::vector<std::string> names; // every {{name}} any template uses, but "body"

std::vector<std::string> tagNames(const std::string& dir)
{
    std::set<std::string> found;
    for (const std::string& page : TemplateRenderer::pageNames()) {
        for (const std::string& file : {dir + "/" + page + ".html", dir + "/layout.html"}) {
            std::ifstream in(file);
            std::stringstream text;
            text << in.rdbuf();
            const std::string s = text.str();
            for (std::size_t pos = s.find("{{"); pos != std::string::npos; pos = s.find("{{", pos + 2)) {
                const std::size_t end = s.find("}}", pos);
                if (end == std::string::npos)
                    break;
                std::string tag = s.substr(pos + 2, end - pos - 2);
                if (!tag.empty() && (tag[0] == '#' || tag[0] == '^' || tag[0] == '/'))
                    tag.erase(0, 1);
                if (tag.empty() || tag[0] == '!' || tag[0] == '{' || tag == "body")
                    continue;
                found.insert(tag);
            }
        }
    }
    return {found.begin(), found.end()};
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

Pair fill(FuzzedDataProvider& input, int depth)
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
                Pair item = fill(input, depth + 1);
                values.hostile.add(name, item.hostile);
                values.defused.add(name, item.defused);
            }
        } else {
            setText(values, name, kMarker + input.ConsumeRandomLengthString(200) + "\"'>&");
        }
    }
    return values;
}

std::size_t countSpecial(const std::string& html, char c) { return static_cast<std::size_t>(std::count(html.begin(), html.end(), c)); }

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    renderer = new TemplateRenderer(TemplateRenderer::load(SI_SOURCE_DIR "/templates"));
    names = tagNames(SI_SOURCE_DIR "/templates");
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
    const std::string builtIn = builtInErrorPage(500, raw, message);
    const std::string plain = builtInErrorPage(500, "", "");
    for (char c : {'<', '>', '"', '\''})
        SI_FUZZ_CHECK(countSpecial(builtIn, c) == countSpecial(plain, c), std::string(1, c) + " " + logSafe(raw));

    // A page rendered with hostile values has exactly the markup of the same
    // page rendered with the values defused: no value added a tag, an
    // attribute or a quote.
    const std::string& page = TemplateRenderer::pageNames()[input.ConsumeIntegralInRange<std::size_t>(
        0, TemplateRenderer::pageNames().size() - 1)];
    Pair values = fill(input, 0);
    setText(values, "title", kMarker + input.ConsumeRandomLengthString(100));

    const std::string html = renderer->render(page, values.hostile);
    const std::string reference = renderer->render(page, values.defused);
    SI_FUZZ_CHECK(!fuzz::contains(html, kMarker), page + ": " + logSafe(html, 2000));
    for (char c : {'<', '>', '"', '\''})
        SI_FUZZ_CHECK(countSpecial(html, c) == countSpecial(reference, c),
                      page + " '" + std::string(1, c) + "': " + logSafe(html, 2000));
    return 0;
}
