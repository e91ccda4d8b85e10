#include <boost/test/unit_test.hpp>

#include "store/HandedWrites.h"

#include <string>

namespace handed = si::handed;
using si::WriteFields;
using si::WriteFrameError;

BOOST_AUTO_TEST_SUITE(HandedWritesTest)

BOOST_AUTO_TEST_CASE(a_state_crosses_field_for_field)
{
    si::StateRecord state{"t1_abc", "b0c1", "plan=pro&x=\"1\"", 1700000000, 1700003600, "page_views"};
    const si::StateRecord back = handed::saveStateFrom(handed::saveStateRequest(state));
    BOOST_TEST(back.tokenHash == state.tokenHash);
    BOOST_TEST(back.browserHash == state.browserHash);
    BOOST_TEST(back.ref == state.ref);
    BOOST_TEST(back.createdAt == state.createdAt);
    BOOST_TEST(back.expiresAt == state.expiresAt);
    BOOST_TEST(back.funnelMetric == state.funnelMetric);
    BOOST_TEST(!handed::saveStateResultFrom(handed::saveStateResult(std::nullopt)).has_value());
    BOOST_TEST(handed::saveStateResultFrom(handed::saveStateResult(std::string("no such table"))).value() ==
               "no such table");
}

BOOST_AUTO_TEST_CASE(a_consume_and_its_result_cross_field_for_field)
{
    handed::ConsumeCall call;
    call.tokenHash = "t1_x";
    call.browserHash = "bh";
    call.now = -5;
    call.install.accountId = "acct_1";
    call.install.userId = "usr_1";
    call.install.livemode = false;
    call.notify = true;
    const handed::ConsumeCall back = handed::consumeFrom(handed::consumeRequest(call));
    BOOST_TEST(back.tokenHash == "t1_x");
    BOOST_TEST(back.browserHash == "bh");
    BOOST_TEST(back.now == -5);
    BOOST_TEST(back.install.accountId == "acct_1");
    BOOST_TEST(back.install.userId == "usr_1");
    BOOST_TEST(!back.install.livemode);
    BOOST_TEST(back.notify);

    si::ConsumeResult result;
    result.outcome = si::ConsumeOutcome::Consumed;
    result.install = {"acct_1", "usr_1", true, "ref", 10, 11, 12, "webhook", "evt_1", "callback"};
    const si::ConsumeResult got = handed::consumeResultFrom(handed::consumeResult(result));
    BOOST_TEST(toCode(got.outcome) == "consumed");
    BOOST_TEST(got.install.accountId == "acct_1");
    BOOST_TEST(got.install.userId == "usr_1");
    BOOST_TEST(got.install.livemode);
    BOOST_TEST(got.install.ref == "ref");
    BOOST_TEST(got.install.installedAt == 10);
    BOOST_TEST(got.install.updatedAt == 11);
    BOOST_TEST(got.install.revokedAt.value() == 12);
    BOOST_TEST(got.install.revokedBy == "webhook");
    BOOST_TEST(got.install.revokeEventId == "evt_1");
    BOOST_TEST(got.install.source == "callback");

    result.outcome = si::ConsumeOutcome::OtherBrowser;
    result.install.revokedAt.reset();
    const si::ConsumeResult other = handed::consumeResultFrom(handed::consumeResult(result));
    BOOST_TEST(toCode(other.outcome) == toCode(si::ConsumeOutcome::OtherBrowser));
    BOOST_TEST(!other.install.revokedAt.has_value());
}

BOOST_AUTO_TEST_CASE(a_webhook_event_and_its_effect_cross_field_for_field)
{
    handed::WebhookCall call{{"evt_9", "account.application.deauthorized", "acct_9", false, 1699999999}, 1700000001,
                             false};
    const handed::WebhookCall back = handed::webhookFrom(handed::webhookRequest(call));
    BOOST_TEST(back.event.id == "evt_9");
    BOOST_TEST(back.event.type == "account.application.deauthorized");
    BOOST_TEST(back.event.accountId == "acct_9");
    BOOST_TEST(!back.event.livemode);
    BOOST_TEST(back.event.created == 1699999999);
    BOOST_TEST(back.now == 1700000001);
    BOOST_TEST(!back.notify);
    for (auto effect : {si::WebhookEffect::Revoked, si::WebhookEffect::Ignored})
        BOOST_TEST(toCode(handed::webhookResultFrom(handed::webhookResult(effect))) == toCode(effect));
}

BOOST_AUTO_TEST_CASE(fields_that_are_not_the_request_or_result_are_refused)
{
    WriteFields state = handed::saveStateRequest({"t", "b", "", 1, 2, ""});
    state[4] = "12x";
    BOOST_CHECK_THROW(handed::saveStateFrom(state), WriteFrameError);
    state[4] = "";
    BOOST_CHECK_THROW(handed::saveStateFrom(state), WriteFrameError);
    BOOST_CHECK_THROW(handed::saveStateFrom({"save_state", "t"}), WriteFrameError);
    BOOST_CHECK_THROW(handed::consumeFrom(handed::saveStateRequest({"t", "b", "", 1, 2, ""})), WriteFrameError);
    WriteFields consume = handed::consumeRequest({"t", "b", 1, {}});
    consume[6] = "2";
    BOOST_CHECK_THROW(handed::consumeFrom(consume), WriteFrameError);
    BOOST_CHECK_THROW(handed::webhookResultFrom({"6"}), WriteFrameError);
    BOOST_CHECK_THROW(handed::webhookResultFrom({"-1"}), WriteFrameError);
    BOOST_CHECK_THROW(handed::consumeResultFrom({"0"}), WriteFrameError);
    WriteFields result = handed::consumeResult({});
    result[0] = "5";
    BOOST_CHECK_THROW(handed::consumeResultFrom(result), WriteFrameError);
    BOOST_CHECK_THROW(handed::saveStateResultFrom({"yes", ""}), WriteFrameError);
}

BOOST_AUTO_TEST_SUITE_END()
