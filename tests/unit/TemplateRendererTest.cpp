#include <boost/test/unit_test.hpp>

#include "web/TemplateRenderer.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using si::TemplateCompile;
using si::TemplateError;
using si::TemplateRenderer;
using si::TemplateValues;

namespace {

const std::string shippedDir = SI_SOURCE_DIR "/templates";

// Every value a hostile visitor (or a hostile Stripe account name) could
// steer: markup, both quote kinds, an entity, and Mustache-looking text.
const std::string hostile = "<script>alert(1)</script> \"quotes\" 'single' &amp; {{x}}";
const std::string hostileEscaped =
    "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot; &#39;single&#39; &amp;amp; {{x}}";

std::size_t count(const std::string& haystack, const std::string& needle)
{
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// A copy of the shipped templates in a fresh temporary folder, removed at
/// the end of the test; tests break one file at a time.
struct TemplateCopy {
    fs::path dir;

    TemplateCopy()
    {
        std::random_device random;
        dir = fs::temp_directory_path() / ("si-templates-" + std::to_string(random()) + std::to_string(random()));
        fs::create_directories(dir);
        for (const auto& file : fs::directory_iterator(shippedDir)) {
            fs::copy_file(file.path(), dir / file.path().filename());
        }
    }
    ~TemplateCopy()
    {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
    void write(const std::string& name, const std::string& content) const
    {
        std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << content;
    }
    std::string loadError(TemplateCompile when = TemplateCompile::AtLoad) const
    {
        try {
            TemplateRenderer::load(dir.string(), when);
        } catch (const TemplateError& e) {
            return e.what();
        }
        return "(no error)";
    }
};

TemplateValues common(const std::string& title)
{
    TemplateValues values;
    values.set("title", title).set("app_name", "Acme Invoicing").set("assets_url", "/install/assets");
    return values;
}

TemplateValues installValues()
{
    return common("Install on Stripe")
        .set("install_url", "https://marketplace.stripe.com/apps/install/link/com.acme.app?state=abc&redirect_uri=x")
        .add("permissions", TemplateValues().set("text", "Read invoices"))
        .add("permissions", TemplateValues().set("text", "Write customers"))
        .set("home_url", "/home");
}

TemplateValues devConsentValues()
{
    return common("Install (local stand-in)")
        .set("app_id", "com.acme.app")
        .set("redirect_uri", "http://127.0.0.1:8080/callback")
        .set("state", "st_123")
        .set("action_url", "/dev/consent")
        .set("csrf", "csrf_456")
        .add("accounts", TemplateValues().set("account_id", "acct_1").set("name", "Acme Ltd").set("checked", true))
        .add("accounts", TemplateValues().set("account_id", "acct_2").set("name", "Acme Test").set("checked", false));
}

// The admin pages' values, as App (AdminPages.cpp) sets them.
TemplateValues adminOverviewValues()
{
    return common("Installs")
        .set("admin_url", "/admin")
        .set("csrf_token", "c1")
        .set("notice", "done")
        .set("q", "acct")
        .set("export_url", "/admin/installs.csv")
        .set("install_count", "1")
        .add("status_options", TemplateValues().set("value", "all").set("label", "All").set("selected", true))
        .add("mode_options", TemplateValues().set("value", "live").set("label", "Live").set("selected", false))
        .add("installs", TemplateValues()
                             .set("account_id", "acct_1")
                             .set("detail_url", "/admin/installs/acct_1")
                             .set("live", false)
                             .set("active", false)
                             .set("ref", "r")
                             .set("installed", "2026-11-28T00:00:00Z")
                             .set("revoked", "2026-11-28T01:00:00Z")
                             .set("revoked_by", "admin"))
        .set("has_installs", true)
        .add("notifications", TemplateValues()
                                  .set("id", "ntf_1")
                                  .set("type", "install.created")
                                  .set("account_id", "acct_1")
                                  .set("status", "pending")
                                  .set("attempts", "1")
                                  .set("next_attempt", "2026-11-28T00:00:00Z")
                                  .set("last_error", "timeout"))
        .set("has_notifications", true)
        .set("chart_uri", "data:image/svg+xml;base64,PHN2Zz4=")
        .set("chart_alt", "A chart")
        .set("chart_width", "640")
        .set("chart_height", "260")
        .add("period_options", TemplateValues().set("url", "/admin?days=7").set("label", "7 days").set("current", false))
        .add("funnel_days", TemplateValues()
                                .set("day", "2026-11-28")
                                .set("views", "1")
                                .set("starts", "2")
                                .set("installs", "3")
                                .set("cancellations", "4")
                                .set("failures", "5")
                                .set("revocations", "6"))
        .add("failure_reasons", TemplateValues().set("reason", "bad_signature").set("count", "5"))
        .set("has_failure_reasons", true);
}

TemplateValues adminInstallValues()
{
    return common("Install acct_1")
        .set("admin_url", "/admin")
        .set("csrf_token", "c1")
        .set("notice", "Revoked by hand.")
        .set("account_id", "acct_1")
        .set("live", true)
        .set("active", true)
        .set("user_id", "usr_1")
        .set("ref", "r")
        .set("source", "callback")
        .set("installed", "2026-11-28T00:00:00Z")
        .set("updated", "2026-11-28T00:00:00Z")
        .set("revoked", "2026-11-28T01:00:00Z")
        .set("revoked_by", "webhook")
        .set("revoke_url", "/admin/installs/acct_1/revoke")
        .add("events", TemplateValues().set("time", "t").set("what", "revoked").set("by", "webhook").set("event_id", "evt_1"))
        .set("has_events", true)
        .add("notifications", TemplateValues()
                                  .set("id", "ntf_1")
                                  .set("type", "install.created")
                                  .set("status", "failed")
                                  .set("attempts", "8")
                                  .set("last_error", "HTTP 500"))
        .set("has_notifications", true);
}

/// Sets every variable of `values` (and of its list items) to the hostile
/// text tagged with the variable's name, so each can be found in the output.
TemplateValues makeHostile(const TemplateValues& values)
{
    TemplateValues result;
    for (const auto& [key, entry] : values.entries()) {
        switch (entry.kind) {
        case TemplateValues::Entry::Kind::Text: result.set(key, hostile + " #" + key); break;
        case TemplateValues::Entry::Kind::Flag: result.set(key, entry.flag); break;
        case TemplateValues::Entry::Kind::List:
            for (const auto& item : entry.list) {
                result.add(key, makeHostile(item));
            }
            break;
        }
    }
    result.set("x", "INTERPOLATED");
    return result;
}

void checkNoRawHostile(const std::string& html)
{
    BOOST_TEST(count(html, "<script") == 0u);
    BOOST_TEST(count(html, "\"quotes\"") == 0u);
    BOOST_TEST(count(html, "'single'") == 0u);
    BOOST_TEST(count(html, "INTERPOLATED") == 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(TemplateRendererTest)

BOOST_AUTO_TEST_CASE(html_escape_covers_five_characters)
{
    BOOST_TEST(si::htmlEscape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    BOOST_TEST(si::htmlEscape("plain {{x}} é") == "plain {{x}} é");
    BOOST_TEST(si::htmlEscape("") == "");
}

BOOST_AUTO_TEST_CASE(built_in_error_page_escapes)
{
    const std::string page = si::builtInErrorPage(500, hostile, hostile + " msg");
    BOOST_TEST(page.rfind("<!DOCTYPE html>", 0) == 0u);
    BOOST_TEST(count(page, "<html lang=\"en\">") == 1u);
    BOOST_TEST(count(page, "<h1>" + hostileEscaped + "</h1>") == 1u);
    BOOST_TEST(count(page, hostileEscaped + " msg") == 1u);
    BOOST_TEST(count(page, "500") >= 1u);
    BOOST_TEST(count(page, "<script") == 0u);
    BOOST_TEST(count(page, "\"quotes\"") == 0u);
    BOOST_TEST(count(page, "http") == 0u);
}

BOOST_AUTO_TEST_CASE(template_values_copy_like_values)
{
    TemplateValues item;
    item.set("text", "first");
    TemplateValues list;
    list.add("items", item);
    item.set("text", "changed");
    const TemplateValues copy = list;
    list.add("items", item);
    BOOST_TEST(copy.entries().at("items").list.size() == 1u);
    BOOST_TEST(list.entries().at("items").list.size() == 2u);
    BOOST_TEST(list.entries().at("items").list[0].entries().at("text").text == "first");
}

BOOST_AUTO_TEST_CASE(layout_wraps_every_page)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    for (const std::string& name : TemplateRenderer::pageNames()) {
        BOOST_TEST_CONTEXT(name)
        {
            const std::string html = renderer.render(name, common("Page title").set("heading", "Heading"));
            BOOST_TEST(html.rfind("<!DOCTYPE html>", 0) == 0u);
            BOOST_TEST(count(html, "<html lang=\"en\">") == 1u);
            BOOST_TEST(count(html, "<title>Page title · Acme Invoicing</title>") == 1u);
            BOOST_TEST(count(html, "<link rel=\"stylesheet\" href=\"/install/assets/style.css\">") == 1u);
            BOOST_TEST(count(html, "<main") == 1u);
            BOOST_TEST(count(html, "<h1") == 1u);
            // The page sits inside <main>.
            const auto main = html.find("<main");
            const auto mainEnd = html.find("</main>");
            const auto h1 = html.find("<h1");
            BOOST_TEST((main < h1 && h1 < mainEnd));
            BOOST_TEST(html.find("</html>") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(install_page_renders_link_and_permissions)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    const std::string html = renderer.render("install", installValues());
    BOOST_TEST(count(html, "<a class=\"button button-primary\" href=\"https://marketplace.stripe.com/apps/install/link/"
                           "com.acme.app?state=abc&amp;redirect_uri=x\">Install on Stripe</a>") == 1u);
    BOOST_TEST(count(html, "<li>Read invoices</li>") == 1u);
    BOOST_TEST(count(html, "<li>Write customers</li>") == 1u);
    BOOST_TEST(count(html, "will be able to") == 1u);
    BOOST_TEST(count(html, "href=\"/home\"") == 1u);

    const std::string bare = renderer.render("install", common("Install").set("install_url", "https://x.test/i"));
    BOOST_TEST(count(bare, "will be able to") == 0u);
    BOOST_TEST(count(bare, "class=\"checklist\"") == 0u);
    BOOST_TEST(count(bare, "Back to") == 0u);

    // Empty text counts as absent, so an optional link set to "" is hidden.
    const std::string emptyHome = renderer.render("install", installValues().set("home_url", ""));
    BOOST_TEST(count(emptyHome, "Back to") == 0u);
}

BOOST_AUTO_TEST_CASE(success_page_shows_account_badge_and_link)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    const std::string live = renderer.render(
        "success", common("Installed").set("account_id", "acct_123").set("test_mode", false).set("continue_url", "/app"));
    BOOST_TEST(count(live, "acct_123") == 1u);
    BOOST_TEST(count(live, "Test mode") == 0u);
    BOOST_TEST(count(live, "href=\"/app\"") == 1u);

    const std::string test = renderer.render("success", common("Installed").set("account_id", "acct_123").set("test_mode", true));
    BOOST_TEST(count(test, "Test mode") == 1u);
    BOOST_TEST(count(test, "href=\"/app\"") == 0u);
}

BOOST_AUTO_TEST_CASE(failure_page_tones)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    TemplateValues values = common("Installation failed")
                                .set("heading", "We could not confirm the installation")
                                .set("message", "Start the installation again from this site.")
                                .set("reason_code", "invalid_signature")
                                .set("retry_url", "/install");
    const std::string failed = renderer.render("failure", values.set("cancelled", false));
    BOOST_TEST(count(failed, "We could not confirm the installation") == 1u);
    BOOST_TEST(count(failed, "Start the installation again from this site.") == 1u);
    BOOST_TEST(count(failed, "<code>invalid_signature</code>") == 1u);
    BOOST_TEST(count(failed, "href=\"/install\">Start again</a>") == 1u);
    BOOST_TEST(count(failed, "cancelled") == 0u);

    const std::string cancelled = renderer.render("failure", values.set("cancelled", true));
    BOOST_TEST(count(cancelled, "Installation cancelled") == 1u);
    BOOST_TEST(count(cancelled, "We could not confirm the installation") == 0u);
    BOOST_TEST(count(cancelled, "href=\"/install\">Start again</a>") == 1u);
}

BOOST_AUTO_TEST_CASE(message_page_shows_status)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    const std::string html = renderer.render(
        "message", common("Not found").set("status", "404").set("heading", "Page not found").set("message", "Check the address."));
    BOOST_TEST(count(html, "404") == 1u);
    BOOST_TEST(count(html, "Page not found</h1>") == 1u);
    BOOST_TEST(count(html, "Check the address.") == 1u);
}

BOOST_AUTO_TEST_CASE(dev_consent_page_has_the_form)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    const std::string html = renderer.render("dev-consent", devConsentValues());
    BOOST_TEST(count(html, "not Stripe") == 1u);
    BOOST_TEST(count(html, "<form class=\"consent-form\" method=\"post\" action=\"/dev/consent\">") == 1u);
    BOOST_TEST(count(html, "<input type=\"hidden\" name=\"csrf\" value=\"csrf_456\">") == 1u);
    BOOST_TEST(count(html, "<input type=\"hidden\" name=\"state\" value=\"st_123\">") == 1u);
    BOOST_TEST(count(html, "<input type=\"hidden\" name=\"redirect_uri\" value=\"http://127.0.0.1:8080/callback\">") == 1u);
    BOOST_TEST(count(html, "type=\"radio\" name=\"account_id\"") == 2u);
    BOOST_TEST(count(html, "value=\"acct_1\" checked") == 1u);
    BOOST_TEST(count(html, "value=\"acct_2\" required") == 1u);
    BOOST_TEST(count(html, " checked") == 1u);
    BOOST_TEST(count(html, "Acme Test") == 1u);
    BOOST_TEST(count(html, "name=\"decision\" value=\"install\">Install</button>") == 1u);
    BOOST_TEST(count(html, "name=\"decision\" value=\"cancel\" formnovalidate>Cancel</button>") == 1u);
}

BOOST_AUTO_TEST_CASE(hostile_values_are_escaped_everywhere)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    const std::vector<std::pair<std::string, TemplateValues>> cases = {
        {"install", installValues()},
        {"success", common("t").set("account_id", "a").set("test_mode", true).set("continue_url", "c")},
        {"failure", common("t").set("heading", "h").set("message", "m").set("reason_code", "r").set("retry_url", "u").set("cancelled", false)},
        {"failure", common("t").set("message", "m").set("reason_code", "r").set("retry_url", "u").set("cancelled", true)},
        {"message", common("t").set("heading", "h").set("message", "m").set("status", "500").set("home_url", "/")},
        {"dev-consent", devConsentValues()},
        {"admin-login", common("t").set("admin_url", "/admin").set("csrf_token", "c").set("error", "e")},
        {"admin-login", common("t").set("error", "e").set("wait_seconds", "30")},
        {"admin", adminOverviewValues()},
        {"admin-install", adminInstallValues()},
    };
    for (const auto& [name, sample] : cases) {
        BOOST_TEST_CONTEXT(name)
        {
            const std::string html = renderer.render(name, makeHostile(sample));
            checkNoRawHostile(html);
            for (const auto& [key, entry] : sample.entries()) {
                if (entry.kind == TemplateValues::Entry::Kind::Text) {
                    BOOST_TEST_CONTEXT(key) { BOOST_TEST(count(html, hostileEscaped + " #" + key) >= 1u); }
                } else if (entry.kind == TemplateValues::Entry::Kind::List) {
                    for (const auto& [itemKey, itemEntry] : entry.list.front().entries()) {
                        if (itemEntry.kind == TemplateValues::Entry::Kind::Text) {
                            BOOST_TEST_CONTEXT(key << "." << itemKey) {
                                BOOST_TEST(count(html, hostileEscaped + " #" + itemKey) >= entry.list.size());
                            }
                        }
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(render_refuses_unknown_page_and_missing_title)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    BOOST_CHECK_THROW(renderer.render("nope", common("t")), TemplateError);
    BOOST_CHECK_THROW(renderer.render("install", TemplateValues().set("app_name", "a")), TemplateError);
}

BOOST_AUTO_TEST_CASE(missing_folder_or_file_names_the_file)
{
    const std::string missingDir = "/nonexistent/si-templates";
    try {
        TemplateRenderer::load(missingDir);
        BOOST_FAIL("load() of a missing folder must throw");
    } catch (const TemplateError& e) {
        BOOST_TEST(std::string(e.what()).find(missingDir + "/layout.html") != std::string::npos);
    }

    TemplateCopy copy;
    BOOST_TEST(copy.loadError() == "(no error)");
    fs::remove(copy.dir / "success.html");
    BOOST_TEST(copy.loadError().find((copy.dir / "success.html").string()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(syntax_error_names_the_file_and_the_problem)
{
    TemplateCopy copy;
    copy.write("failure.html", "<h1>{{heading}}</h1>\n{{#cancelled}}never closed\n");
    const std::string error = copy.loadError();
    BOOST_TEST(error.find((copy.dir / "failure.html").string()) != std::string::npos);
    BOOST_TEST(error.find("Unclosed section") != std::string::npos);

    TemplateCopy unclosedTag;
    unclosedTag.write("layout.html", "<main>{{{body}}}</main>{{title");
    BOOST_TEST(unclosedTag.loadError().find((unclosedTag.dir / "layout.html").string()) != std::string::npos);
}

// A plain CGI process compiles only the page it renders; load() must still
// refuse what a broken edit produces, with the words kainjow would use.
BOOST_AUTO_TEST_CASE(compiling_on_first_use_still_refuses_broken_files_at_load)
{
    const std::vector<std::pair<std::string, std::string>> broken = {
        {"{{#cancelled}}never closed\n", "Unclosed section \"cancelled\""},
        {"{{#a}}{{#b}}{{/a}}{{/b}}", "Unclosed section \"b\""},
        {"text{{/cancelled}}", "Unopened section \"cancelled\""},
        {"<p>{{heading</p>", "Unclosed tag"},
        {"{{{x}}}", "unescaped variable"},
        {"{{ > partial }}", "a partial"},
    };
    for (const auto& [text, problem] : broken) {
        BOOST_TEST_CONTEXT(text)
        {
            TemplateCopy copy;
            copy.write("admin.html", text);
            for (const TemplateCompile when : {TemplateCompile::AtLoad, TemplateCompile::OnFirstUse}) {
                const std::string error = copy.loadError(when);
                BOOST_TEST(error.find((copy.dir / "admin.html").string()) != std::string::npos, error);
                BOOST_TEST(error.find(problem) != std::string::npos, error);
            }
        }
    }
    TemplateCopy missing;
    fs::remove(missing.dir / "admin-login.html");
    BOOST_TEST(missing.loadError(TemplateCompile::OnFirstUse).find("admin-login.html") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(compiling_on_first_use_renders_what_compiling_at_load_renders)
{
    const TemplateRenderer eager = TemplateRenderer::load(shippedDir, TemplateCompile::AtLoad);
    const TemplateRenderer lazy = TemplateRenderer::load(shippedDir, TemplateCompile::OnFirstUse);
    TemplateValues values = common("Install Acme");
    values.set("install_url", "https://marketplace.stripe.com/apps/install/link/com.acme?state=a&b=<c>")
        .set("heading", "Hello <b>")
        .set("message", "It's \"fine\"");
    values.add("permissions", TemplateValues().set("text", "Read <customers>"));
    for (const std::string& page : TemplateRenderer::pageNames()) {
        BOOST_TEST_CONTEXT(page)
        {
            const std::string first = lazy.render(page, values);
            BOOST_TEST(first == eager.render(page, values));
            BOOST_TEST(lazy.render(page, values) == first); // compiled once, rendered again
        }
    }
}

// Pages are checked when the folder is loaded, not when a page is first
// rendered: a file removed afterwards does not matter to a lazy renderer.
BOOST_AUTO_TEST_CASE(compiling_on_first_use_reads_every_file_at_load)
{
    TemplateCopy copy;
    const TemplateRenderer lazy = TemplateRenderer::load(copy.dir.string(), TemplateCompile::OnFirstUse);
    fs::remove_all(copy.dir);
    BOOST_TEST(lazy.render("message", common("Gone").set("heading", "Still here")).find("Still here") !=
               std::string::npos);
}

// render() renders each shape of values once, with placeholders, and then
// only escapes each request's texts into place: it must give exactly what
// rendering through kainjow gives, for hostile texts (placeholder-looking
// ones included), texts used in several places, empty texts, flags and lists.
BOOST_AUTO_TEST_CASE(render_once_per_shape_equals_rendering_every_time)
{
    const TemplateRenderer renderer = TemplateRenderer::load(shippedDir);
    const std::vector<std::string> texts = {
        "plain", "<script>alert(1)</script>", "a & b \"quoted\" 'single'", "\x01si1-2:0\x01",
        "{{title}} {{{body}}}", "\xE2\x80\x9Cunicode\xE2\x80\x9D", std::string("nul\0byte", 8), "\x01",
    };
    std::size_t checked = 0;
    for (std::size_t round = 0; round < texts.size(); ++round) {
        const std::string& a = texts[round];
        const std::string& b = texts[(round + 3) % texts.size()];
        for (const bool flag : {true, false}) {
            TemplateValues values = common(a);
            values.set("install_url", b)
                .set("heading", a + b)
                .set("message", round % 2 ? "" : b)
                .set("account_id", "acct_" + a)
                .set("account_name", flag ? b : "")
                .set("reason_code", a)
                .set("retry_url", "/stripe/?" + b)
                .set("status", "404")
                .set("test_mode", flag)
                .set("cancelled", !flag);
            for (std::size_t i = 0; i < round % 4; ++i)
                values.add("permissions", TemplateValues().set("text", texts[(round + i) % texts.size()]));
            for (const std::string& page : TemplateRenderer::pageNames()) {
                BOOST_TEST_CONTEXT(page << " round " << round << " flag " << flag)
                {
                    BOOST_TEST(renderer.render(page, values) == renderer.renderUncached(page, values));
                    ++checked;
                }
            }
        }
    }
    BOOST_TEST(checked == texts.size() * 2 * TemplateRenderer::pageNames().size());
}

BOOST_AUTO_TEST_CASE(raw_output_in_a_page_is_refused)
{
    for (const char* tag : {"{{{x}}}", "{{&x}}", "{{ & x }}", "{{> partial}}", "{{=<% %>=}}<%&x%>"}) {
        BOOST_TEST_CONTEXT(tag)
        {
            TemplateCopy copy;
            copy.write("message.html", std::string("<h1>{{heading}}</h1>\n<p>") + tag + "</p>\n");
            const std::string error = copy.loadError();
            BOOST_TEST(error.find((copy.dir / "message.html").string()) != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(layout_may_only_insert_body_raw)
{
    TemplateCopy copy;
    copy.write("layout.html", "<title>{{{title}}}</title><main>{{{body}}}</main>");
    BOOST_TEST(copy.loadError().find((copy.dir / "layout.html").string()) != std::string::npos);

    TemplateCopy ok;
    ok.write("layout.html", "<title>{{title}}</title><main>{{{body}}}</main>");
    BOOST_TEST(ok.loadError() == "(no error)");
}

BOOST_AUTO_TEST_CASE(shipped_templates_use_no_external_assets_scripts_or_inline_styles)
{
    std::size_t files = 0;
    for (const auto& file : fs::directory_iterator(shippedDir)) {
        const std::string text = readText(file.path());
        BOOST_TEST_CONTEXT(file.path().filename().string())
        {
            ++files;
            BOOST_TEST(count(text, "http://") == 0u);
            BOOST_TEST(count(text, "https://") == 0u);
            BOOST_TEST(count(text, "<script") == 0u);
            BOOST_TEST(count(text, "<style") == 0u);
            BOOST_TEST(count(text, " style=") == 0u);
            BOOST_TEST(count(text, "@import") == 0u);
            BOOST_TEST(count(text, "url(") == 0u);
            if (file.path().filename() != "layout.html") {
                BOOST_TEST(count(text, "{{{") == 0u);
            }
        }
    }
    BOOST_TEST(files == TemplateRenderer::pageNames().size() + 2); // pages, layout, style.css
}

BOOST_AUTO_TEST_SUITE_END()
