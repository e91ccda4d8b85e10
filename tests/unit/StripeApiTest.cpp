// The pure parts of the Stripe API client: form encoding, headers, the
// idempotency key, error JSON → message, the retry decision, the backoff
// schedule (with an injected sleeper), installs-list parsing, the sync plan
// and its application to a real (SQLite) store.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "config/AppConfig.h"
#include "core/InstallSync.h"
#include "core/StripeError.h"
#include "core/StripeRequest.h"
#include "core/StripeRetry.h"
#include "store/OpenStore.h"

namespace {

using std::chrono::milliseconds;

std::string header(const si::FormFields& headers, const std::string& name)
{
    for (const auto& [key, value] : headers)
        if (key == name)
            return value;
    return "<absent>";
}

/// Counts up from a seed, so every key differs but is predictable.
class CountingRandom : public si::RandomSource {
public:
    void fill(unsigned char* bytes, std::size_t size) override
    {
        for (std::size_t i = 0; i < size; ++i)
            bytes[i] = static_cast<unsigned char>(_next++);
    }

private:
    unsigned _next = 0xF0;
};

si::AttemptResult answer(int status, std::optional<std::string> shouldRetry = std::nullopt)
{
    si::AttemptResult result;
    result.status = status;
    result.shouldRetry = std::move(shouldRetry);
    return result;
}

si::AttemptResult noAnswer(bool retryable = true)
{
    si::AttemptResult result;
    result.networkError = "Connection refused";
    result.networkRetryable = retryable;
    return result;
}

si::Install local(const std::string& account, bool livemode, bool active)
{
    si::Install install;
    install.accountId = account;
    install.livemode = livemode;
    if (!active)
        install.revokedAt = 100;
    return install;
}

si::RemoteInstall remote(const std::string& id, const std::string& account, bool livemode = false,
                         bool installed = true)
{
    return {id, account, livemode, 0, installed};
}

} // namespace

BOOST_AUTO_TEST_SUITE(StripeApiTest)

BOOST_AUTO_TEST_CASE(form_encoding_escapes_all_but_unreserved_and_brackets)
{
    BOOST_TEST(si::formEncode({}) == "");
    BOOST_TEST(si::formEncode({{"amount", "1000"}, {"currency", "usd"}}) == "amount=1000&currency=usd");
    BOOST_TEST(si::formEncode({{"metadata[order id]", "a&b=c+d/é"}}) ==
               "metadata[order%20id]=a%26b%3Dc%2Bd%2F%C3%A9");
    BOOST_TEST(si::formEncode({{"expand[]", "data.customer"}, {"expand[]", "data.invoice"}}) ==
               "expand[]=data.customer&expand[]=data.invoice");
    BOOST_TEST(si::formEncode({{"email", ""}}) == "email=");
}

BOOST_AUTO_TEST_CASE(request_checks_method_path_and_account)
{
    BOOST_TEST(!si::checkStripeRequest("GET", "/v1/accounts/acct_123"));
    BOOST_TEST(!si::checkStripeRequest("DELETE", "/v1/customers/cus_1"));
    BOOST_TEST(si::checkStripeRequest("PATCH", "/v1/customers").value().find("GET, POST or DELETE") != std::string::npos);
    BOOST_TEST(si::checkStripeRequest("GET", "v1/customers").value().find("/v1/") != std::string::npos);
    BOOST_TEST(si::checkStripeRequest("GET", "/v1/customers?limit=3").has_value());
    BOOST_TEST(si::checkStripeRequest("GET", "/v1/a b").has_value());
    BOOST_TEST(si::checkStripeRequest("GET", "/v1/../admin").has_value());
    BOOST_TEST(si::checkStripeRequest("GET", "https://evil.example/v1/x").has_value());
    BOOST_TEST(si::looksLikeAccountId("acct_1A2b3C4d"));
    BOOST_TEST(!si::looksLikeAccountId("acct_"));
    BOOST_TEST(!si::looksLikeAccountId("acct_1/../x"));
    BOOST_TEST(!si::looksLikeAccountId("cus_123"));
}

BOOST_AUTO_TEST_CASE(get_puts_params_in_the_query_post_in_the_body)
{
    si::StripeRequest get;
    get.path = "/v1/apps/installs";
    get.params = {{"limit", "100"}, {"starting_after", "inst_9"}};
    BOOST_TEST(si::requestTarget(get) == "/v1/apps/installs?limit=100&starting_after=inst_9");
    BOOST_TEST(si::requestBody(get) == "");
    get.params.clear();
    BOOST_TEST(si::requestTarget(get) == "/v1/apps/installs");

    si::StripeRequest post;
    post.method = "POST";
    post.path = "/v1/customers";
    post.params = {{"email", "a@example.com"}};
    BOOST_TEST(si::requestTarget(post) == "/v1/customers");
    BOOST_TEST(si::requestBody(post) == "email=a%40example.com");
}

BOOST_AUTO_TEST_CASE(headers_carry_the_stripe_conventions)
{
    si::StripeRequest post;
    post.method = "POST";
    post.path = "/v1/customers";
    post.account = "acct_123";
    post.idempotencyKey = "key-1";
    const auto headers = si::stripeHeaders(post, "sk_test_abc", "2025-11-17.clover", "stripe-install/1");
    BOOST_TEST(header(headers, "Authorization") == "Bearer sk_test_abc");
    BOOST_TEST(header(headers, "Stripe-Version") == "2025-11-17.clover");
    BOOST_TEST(header(headers, "Stripe-Account") == "acct_123");
    BOOST_TEST(header(headers, "Idempotency-Key") == "key-1");
    BOOST_TEST(header(headers, "Content-Type") == "application/x-www-form-urlencoded");
    BOOST_TEST(header(headers, "User-Agent") == "stripe-install/1");

    si::StripeRequest get;
    get.path = "/v1/accounts/acct_123";
    const auto plain = si::stripeHeaders(get, "sk_test_abc", "2025-11-17.clover", "ua");
    BOOST_TEST(header(plain, "Stripe-Account") == "<absent>");
    BOOST_TEST(header(plain, "Idempotency-Key") == "<absent>");
    BOOST_TEST(header(plain, "Content-Type") == "<absent>");
}

BOOST_AUTO_TEST_CASE(idempotency_keys_are_version_4_uuids)
{
    CountingRandom random;
    const std::string first = si::mintIdempotencyKey(random);
    BOOST_TEST(first == "f0f1f2f3-f4f5-46f7-b8f9-fafbfcfdfeff");
    BOOST_TEST(si::mintIdempotencyKey(random) != first);
    si::SystemRandom system;
    const std::string key = si::mintIdempotencyKey(system);
    BOOST_TEST(key.size() == 36u);
    BOOST_TEST(key[14] == '4');
}

BOOST_AUTO_TEST_CASE(api_key_mode_from_prefix)
{
    BOOST_TEST(si::apiKeyLivemode("sk_live_1").value() == true);
    BOOST_TEST(si::apiKeyLivemode("rk_live_1").value() == true);
    BOOST_TEST(si::apiKeyLivemode("sk_test_1").value() == false);
    BOOST_TEST(si::apiKeyLivemode("rk_test_1").value() == false);
    BOOST_TEST(!si::apiKeyLivemode("sk_other"));
}

BOOST_AUTO_TEST_CASE(error_json_becomes_a_clear_message)
{
    const std::string body = R"({"error":{"type":"invalid_request_error","code":"resource_missing",
        "message":"No such customer: 'cus_x'","param":"id","doc_url":"https://stripe.com/docs/error-codes/resource-missing"}})";
    const auto parsed = si::parseStripeError(body);
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->code == "resource_missing");
    BOOST_TEST(si::describeStripeFailure(404, body, "req_123", "sk_test_k") ==
               "Stripe answered 404 (invalid_request_error, resource_missing): No such customer: 'cus_x' "
               "[param id] [request req_123]");

    const std::string unauthorized =
        R"({"error":{"type":"authentication_error","message":"Invalid API Key provided: sk_test_SECRET99"}})";
    const std::string message = si::describeStripeFailure(401, unauthorized, "", "sk_test_SECRET99");
    BOOST_TEST(message.find("SECRET99") == std::string::npos, message);
    BOOST_TEST(message.find("Invalid API Key provided: [redacted]") != std::string::npos, message);
    BOOST_TEST(message.find("check [stripe] api_key") != std::string::npos, message);

    BOOST_TEST(!si::parseStripeError("<html>Bad gateway</html>"));
    BOOST_TEST(!si::parseStripeError(R"({"id":"acct_1"})"));
    BOOST_TEST(!si::parseStripeError("[1,2]"));
    BOOST_TEST(si::describeStripeFailure(502, "<html>Bad\ngateway</html>", "", "") ==
               "Stripe answered 502 with a body that is not Stripe's error JSON: \"<html>Bad\\x0agateway</html>\"");
    BOOST_TEST(si::describeStripeFailure(500, "", "", "") == "Stripe answered 500 with an empty body");
    // A key cut off by the excerpt leaves no prefix of itself behind.
    const std::string longBody = std::string(195, 'x') + "sk_test_SECRET99";
    BOOST_TEST(si::describeStripeFailure(500, longBody, "", "sk_test_SECRET99").find("sk_te") == std::string::npos);
    BOOST_TEST(si::redactSecret("a sk_1 b sk_1", "sk_1") == "a [redacted] b [redacted]");
    BOOST_TEST(si::redactSecret("unchanged", "") == "unchanged");
}

BOOST_AUTO_TEST_CASE(retry_decision_follows_status_and_should_retry)
{
    BOOST_TEST(!si::shouldRetry(answer(200)));
    BOOST_TEST(si::shouldRetry(noAnswer()));
    BOOST_TEST(!si::shouldRetry(noAnswer(false)));
    BOOST_TEST(si::shouldRetry(answer(409)));
    BOOST_TEST(si::shouldRetry(answer(429)));
    BOOST_TEST(si::shouldRetry(answer(500)));
    BOOST_TEST(si::shouldRetry(answer(503)));
    BOOST_TEST(!si::shouldRetry(answer(400)));
    BOOST_TEST(!si::shouldRetry(answer(401)));
    BOOST_TEST(!si::shouldRetry(answer(404)));
    BOOST_TEST(!si::shouldRetry(answer(500, "false")));
    BOOST_TEST(!si::shouldRetry(answer(429, " False ")));
    BOOST_TEST(si::shouldRetry(answer(400, "true")));
    BOOST_TEST(si::shouldRetry(answer(500, "maybe"))); // unknown value: the status decides
}

BOOST_AUTO_TEST_CASE(backoff_grows_is_capped_jittered_and_honours_retry_after)
{
    const si::RetryPolicy policy; // 500 ms, 5 s
    BOOST_TEST(si::backoffDelay(1, policy, 1.0, std::nullopt).count() == 500);
    BOOST_TEST(si::backoffDelay(2, policy, 1.0, std::nullopt).count() == 1000);
    BOOST_TEST(si::backoffDelay(3, policy, 1.0, std::nullopt).count() == 2000);
    BOOST_TEST(si::backoffDelay(4, policy, 1.0, std::nullopt).count() == 4000);
    BOOST_TEST(si::backoffDelay(5, policy, 1.0, std::nullopt).count() == 5000);
    BOOST_TEST(si::backoffDelay(60, policy, 1.0, std::nullopt).count() == 5000);
    BOOST_TEST(si::backoffDelay(3, policy, 0.0, std::nullopt).count() == 1000); // halved by jitter
    BOOST_TEST(si::backoffDelay(1, policy, 0.0, std::nullopt).count() == 500);  // never below initial
    BOOST_TEST(si::backoffDelay(1, policy, 1.0, std::string("3")).count() == 3000);
    BOOST_TEST(si::backoffDelay(1, policy, 1.0, std::string("60")).count() == 500); // too long: ignored
    BOOST_TEST(si::backoffDelay(1, policy, 1.0, std::string("soon")).count() == 500);
}

BOOST_AUTO_TEST_CASE(retry_loop_sleeps_the_schedule_and_stops_on_success)
{
    std::vector<milliseconds> slept;
    const si::Sleeper sleeper = [&](milliseconds delay) { slept.push_back(delay); };
    const si::Jitter noJitter = [] { return 1.0; };
    si::RetryPolicy policy;
    policy.maxRetries = 3;

    std::vector<si::AttemptResult> script = {answer(429), answer(500), answer(200)};
    std::vector<int> attempts;
    std::vector<int> notices;
    const auto result = si::runWithRetries(
        [&](int attempt) {
            attempts.push_back(attempt);
            return script.at(static_cast<std::size_t>(attempt));
        },
        policy, sleeper, noJitter, [&](int retry, const si::AttemptResult&, milliseconds) { notices.push_back(retry); });
    BOOST_TEST(result.status == 200);
    BOOST_TEST(attempts == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
    BOOST_TEST(notices == (std::vector<int>{1, 2}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(slept.size() == 2u);
    BOOST_TEST(slept[0].count() == 500);
    BOOST_TEST(slept[1].count() == 1000);
}

BOOST_AUTO_TEST_CASE(retry_loop_gives_up_after_max_and_on_final_errors)
{
    int sleeps = 0;
    const si::Sleeper sleeper = [&](milliseconds) { ++sleeps; };
    si::RetryPolicy policy; // 2 retries
    int calls = 0;
    auto result = si::runWithRetries([&](int) { ++calls; return answer(503); }, policy, sleeper, {});
    BOOST_TEST(result.status == 503);
    BOOST_TEST(calls == 3);
    BOOST_TEST(sleeps == 2);

    calls = sleeps = 0;
    result = si::runWithRetries([&](int) { ++calls; return answer(401); }, policy, sleeper, {});
    BOOST_TEST(result.status == 401);
    BOOST_TEST(calls == 1);
    BOOST_TEST(sleeps == 0);

    calls = 0;
    result = si::runWithRetries([&](int) { ++calls; return answer(500, "false"); }, policy, sleeper, {});
    BOOST_TEST(calls == 1);

    calls = 0;
    policy.maxRetries = 0;
    result = si::runWithRetries([&](int) { ++calls; return noAnswer(); }, policy, sleeper, {});
    BOOST_TEST(calls == 1);
    BOOST_TEST(result.networkError == "Connection refused");
}

BOOST_AUTO_TEST_CASE(installs_page_parses_accounts_modes_and_cursor)
{
    const auto page = si::parseRemoteInstallsPage(R"({"object":"list","url":"/v1/apps/installs","has_more":true,
        "data":[{"id":"inst_1","object":"apps.install","account":"acct_A","livemode":false,"created":1700000000},
                {"id":"inst_2","account":{"id":"acct_B"}},
                {"id":"inst_3","account_id":"acct_C","status":"uninstalled"},
                {"id":"inst_4","account":"acct_D","deleted":true}]})",
                                                  true);
    BOOST_TEST_REQUIRE(page.installs.size() == 4u);
    BOOST_TEST(page.hasMore);
    BOOST_TEST(page.lastId == "inst_4");
    BOOST_TEST(page.installs[0].accountId == "acct_A");
    BOOST_TEST(!page.installs[0].livemode);
    BOOST_TEST(page.installs[0].created == 1700000000);
    BOOST_TEST(page.installs[1].accountId == "acct_B");
    BOOST_TEST(page.installs[1].livemode); // the key's mode
    BOOST_TEST(page.installs[2].accountId == "acct_C");
    BOOST_TEST(!page.installs[2].installed);
    BOOST_TEST(!page.installs[3].installed);

    const auto last = si::parseRemoteInstallsPage(R"({"object":"list","data":[],"has_more":false})", true);
    BOOST_TEST(last.installs.empty());
    BOOST_TEST(!last.hasMore);
}

BOOST_AUTO_TEST_CASE(installs_page_refuses_what_is_not_a_list)
{
    BOOST_CHECK_THROW(si::parseRemoteInstallsPage("not json", true), si::UnexpectedAnswer);
    BOOST_CHECK_THROW(si::parseRemoteInstallsPage("[]", true), si::UnexpectedAnswer);
    BOOST_CHECK_THROW(si::parseRemoteInstallsPage(R"({"error":{"message":"x"}})", true), si::UnexpectedAnswer);
    BOOST_CHECK_THROW(si::parseRemoteInstallsPage(R"({"object":"list","data":[{"id":"i"}]})", true),
                      si::UnexpectedAnswer);
    BOOST_CHECK_THROW(si::parseRemoteInstallsPage(R"({"object":"list","data":[],"has_more":true})", true),
                      si::UnexpectedAnswer);
    BOOST_CHECK_THROW(si::parseRemoteInstallsPage(R"({"object":"list","data":[1]})", true), si::UnexpectedAnswer);
}

BOOST_AUTO_TEST_CASE(sync_plan_adds_reactivates_and_revokes_one_mode_only)
{
    const std::vector<si::RemoteInstall> stripe = {
        remote("inst_new", "acct_new"), remote("inst_back", "acct_back"), remote("inst_same", "acct_same"),
        remote("inst_gone", "acct_gone_remote", false, false), remote("inst_live", "acct_live_only", true)};
    const std::vector<si::Install> here = {
        local("acct_back", false, false), local("acct_same", false, true), local("acct_missed", false, true),
        local("acct_old", false, false), local("acct_gone_remote", false, true), local("acct_live", true, true)};
    const auto changes = si::planInstallSync(stripe, here, false);
    std::vector<std::string> seen;
    for (const auto& change : changes) {
        seen.push_back(si::toCode(change.action) + " " + change.accountId);
        BOOST_TEST(!change.livemode);
    }
    BOOST_TEST(seen == (std::vector<std::string>{"reactivate acct_back", "revoke acct_gone_remote",
                                                 "revoke acct_missed", "add acct_new"}),
               boost::test_tools::per_element());
    BOOST_TEST(changes.back().remoteId == "inst_new");
    BOOST_TEST(si::planInstallSync({}, {}, true).empty());
}

BOOST_AUTO_TEST_CASE(sync_events_use_the_webhook_vocabulary)
{
    const auto added = si::syncEvent({si::SyncAction::Add, "acct_A", false, "inst_1"}, 1700000000);
    BOOST_TEST(added.type == "apps.install.created");
    BOOST_TEST(added.id == "sync:inst_1:add:1700000000");
    BOOST_TEST(added.accountId == "acct_A");
    BOOST_TEST(!added.livemode);
    BOOST_TEST(added.created == 1700000000);
    const auto revoked = si::syncEvent({si::SyncAction::Revoke, "acct_B", true, ""}, 5);
    BOOST_TEST(revoked.type == "apps.install.deleted");
    BOOST_TEST(revoked.id == "sync:acct_B:live:revoke:5");
    BOOST_TEST((si::webhookActionFor(revoked.type) == si::WebhookAction::Revoke));
    BOOST_TEST((si::webhookActionFor(added.type) == si::WebhookAction::Record));
}

BOOST_AUTO_TEST_CASE(sync_applies_through_the_store)
{
    namespace fs = std::filesystem;
    std::string pattern = (fs::temp_directory_path() / "si-sync-XXXXXX").string();
    const fs::path dir = ::mkdtemp(pattern.data());
    si::AppConfig config;
    config.dbConnection = (dir / "installs.db").string();
    {
        auto store = si::openStore(config);
        // acct_missed is active here; acct_back was revoked; acct_new is unknown.
        BOOST_TEST(si::toCode(store->applyWebhookEvent({"evt_1", "apps.install.created", "acct_missed", false, 100}, 100)) == "recorded");
        BOOST_TEST(si::toCode(store->applyWebhookEvent({"evt_2", "apps.install.created", "acct_back", false, 100}, 100)) == "recorded");
        BOOST_TEST(si::toCode(store->applyWebhookEvent({"evt_3", "apps.install.deleted", "acct_back", false, 200}, 200)) == "revoked");

        const std::vector<si::RemoteInstall> stripe = {remote("inst_new", "acct_new"), remote("inst_back", "acct_back")};
        si::InstallFilter test;
        test.livemode = false;
        const auto changes = si::planInstallSync(stripe, store->listInstalls(test), false);
        BOOST_TEST(changes.size() == 3u);
        for (const auto& applied : si::applyInstallSync(*store, changes, 1000))
            BOOST_TEST(si::toCode(applied.effect) == (applied.change.action == si::SyncAction::Revoke ? "revoked" : "recorded"));

        std::map<std::string, bool> active;
        for (const auto& install : store->listInstalls(test))
            active[install.accountId] = install.active();
        BOOST_TEST(active.size() == 3u);
        BOOST_TEST(active["acct_new"]);
        BOOST_TEST(active["acct_back"]);
        BOOST_TEST(!active["acct_missed"]);
        const auto missed = store->findInstalls("acct_missed");
        BOOST_TEST_REQUIRE(missed.size() == 1u);
        BOOST_TEST(missed[0].revokeEventId == "sync:acct_missed:test:revoke:1000");
        // A second run finds nothing to do.
        BOOST_TEST(si::planInstallSync(stripe, store->listInstalls(test), false).empty());
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
}

BOOST_AUTO_TEST_CASE(account_display_name_from_the_account_object)
{
    BOOST_TEST(si::accountDisplayName(R"({"id":"acct_1","settings":{"dashboard":{"display_name":"Rocket Rides"}},
        "business_profile":{"name":"Rocket Rides Inc"}})").value() == "Rocket Rides");
    BOOST_TEST(si::accountDisplayName(R"({"id":"acct_1","settings":{"dashboard":{"display_name":""}},
        "business_profile":{"name":"Rocket Rides Inc"}})").value() == "Rocket Rides Inc");
    BOOST_TEST(!si::accountDisplayName(R"({"id":"acct_1","settings":{"dashboard":{"display_name":null}}})"));
    BOOST_TEST(!si::accountDisplayName("not json"));
    BOOST_TEST(!si::accountDisplayName("[]"));
}

BOOST_AUTO_TEST_SUITE_END()
