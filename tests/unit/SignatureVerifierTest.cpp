#include <boost/test/unit_test.hpp>

#include <cctype>
#include <set>

#include "core/HmacSha256.h"
#include "core/SignatureHeader.h"
#include "core/SignatureVerifier.h"

using si::SignatureError;

namespace {

// As stripe-go's tests do: one signed payload, then change one thing per case.
const std::string kPayload = R"({"id":"evt_1","object":"event"})";
const std::string kSecret = "whsec_test_secret";
const std::int64_t kNow = 1764395301;

si::SignaturePolicy policyAt(std::int64_t now, std::vector<std::string> secrets = {kSecret})
{
    si::SignaturePolicy policy;
    policy.secrets = std::move(secrets);
    policy.now = now;
    policy.toleranceSeconds = 300;
    return policy;
}

std::string v1(std::int64_t t, const std::string& payload = kPayload, const std::string& secret = kSecret)
{
    return si::hmacSha256Hex(secret, std::to_string(t) + "." + payload);
}

} // namespace

BOOST_AUTO_TEST_SUITE(SignatureVerifierTest)

BOOST_AUTO_TEST_CASE(a_fresh_signature_verifies)
{
    auto check = si::verifySignature(kPayload, si::signStripeStyle(kPayload, kSecret, kNow), policyAt(kNow));
    BOOST_TEST(check.ok());
    BOOST_TEST(check.timestamp == kNow);
}

BOOST_AUTO_TEST_CASE(sign_writes_stripes_format)
{
    BOOST_TEST(si::signStripeStyle(kPayload, kSecret, kNow) ==
               "t=" + std::to_string(kNow) + ",v1=" + v1(kNow));
}

BOOST_AUTO_TEST_CASE(no_secret_configured)
{
    auto check = si::verifySignature(kPayload, si::signStripeStyle(kPayload, kSecret, kNow), policyAt(kNow, {}));
    BOOST_TEST(check.error == SignatureError::NoSecretConfigured);
}

BOOST_AUTO_TEST_CASE(empty_header)
{
    BOOST_TEST(si::verifySignature(kPayload, "", policyAt(kNow)).error == SignatureError::NoHeader);
}

BOOST_AUTO_TEST_CASE(no_timestamp)
{
    BOOST_TEST(si::verifySignature(kPayload, "v1=" + v1(kNow), policyAt(kNow)).error == SignatureError::NoTimestamp);
    BOOST_TEST(si::verifySignature(kPayload, "t=12x4,v1=" + v1(kNow), policyAt(kNow)).error == SignatureError::NoTimestamp);
    BOOST_TEST(si::verifySignature(kPayload, "garbage", policyAt(kNow)).error == SignatureError::NoTimestamp);
}

BOOST_AUTO_TEST_CASE(only_v0_is_no_expected_scheme)
{
    auto header = "t=" + std::to_string(kNow) + ",v0=" + v1(kNow);
    BOOST_TEST(si::verifySignature(kPayload, header, policyAt(kNow)).error == SignatureError::NoV1Signature);
}

BOOST_AUTO_TEST_CASE(tampered_payload_does_not_match)
{
    auto header = si::signStripeStyle(kPayload, kSecret, kNow);
    BOOST_TEST(si::verifySignature(kPayload + " ", header, policyAt(kNow)).error == SignatureError::NoMatch);
}

BOOST_AUTO_TEST_CASE(upper_case_hex_does_not_match)
{
    std::string upper = v1(kNow);
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto header = "t=" + std::to_string(kNow) + ",v1=" + upper;
    BOOST_TEST(si::verifySignature(kPayload, header, policyAt(kNow)).error == SignatureError::NoMatch);
}

BOOST_AUTO_TEST_CASE(any_v1_may_match_and_unknown_keys_are_ignored)
{
    auto header = "t=" + std::to_string(kNow) + ",v1=" + std::string(64, '0') + ",v0=abc,x=y,v1=" + v1(kNow);
    BOOST_TEST(si::verifySignature(kPayload, header, policyAt(kNow)).ok());
}

BOOST_AUTO_TEST_CASE(spaces_after_commas_are_tolerated)
{
    auto header = "t=" + std::to_string(kNow) + ", v1=" + v1(kNow);
    BOOST_TEST(si::verifySignature(kPayload, header, policyAt(kNow)).ok());
}

BOOST_AUTO_TEST_CASE(too_old_and_edge_of_tolerance)
{
    BOOST_TEST(si::verifySignature(kPayload, si::signStripeStyle(kPayload, kSecret, kNow - 300), policyAt(kNow)).ok());
    BOOST_TEST(si::verifySignature(kPayload, si::signStripeStyle(kPayload, kSecret, kNow - 301), policyAt(kNow)).error ==
               SignatureError::TooOld);
}

BOOST_AUTO_TEST_CASE(too_far_in_future)
{
    BOOST_TEST(si::verifySignature(kPayload, si::signStripeStyle(kPayload, kSecret, kNow + 300), policyAt(kNow)).ok());
    BOOST_TEST(si::verifySignature(kPayload, si::signStripeStyle(kPayload, kSecret, kNow + 301), policyAt(kNow)).error ==
               SignatureError::TooFarInFuture);
}

BOOST_AUTO_TEST_CASE(zero_tolerance_turns_the_age_check_off)
{
    auto policy = policyAt(kNow);
    policy.toleranceSeconds = 0;
    BOOST_TEST(si::verifySignature(kPayload, si::signStripeStyle(kPayload, kSecret, 1000), policy).ok());
}

BOOST_AUTO_TEST_CASE(a_forged_old_signature_is_reported_as_forged)
{
    auto header = "t=" + std::to_string(kNow - 10000) + ",v1=" + std::string(64, 'a');
    BOOST_TEST(si::verifySignature(kPayload, header, policyAt(kNow)).error == SignatureError::NoMatch);
}

BOOST_AUTO_TEST_CASE(rotation_reports_which_secret_matched)
{
    auto header = si::signStripeStyle(kPayload, "whsec_old", kNow);
    auto check = si::verifySignature(kPayload, header, policyAt(kNow, {"whsec_new", "whsec_old"}));
    BOOST_TEST(check.ok());
    BOOST_TEST(check.secretIndex == 1u);
    BOOST_TEST(si::verifySignature(kPayload, header, policyAt(kNow, {"whsec_new"})).error == SignatureError::NoMatch);
}

BOOST_AUTO_TEST_CASE(every_error_has_a_distinct_message_and_code)
{
    const SignatureError all[] = {SignatureError::NoSecretConfigured, SignatureError::NoHeader,
                                  SignatureError::NoTimestamp, SignatureError::NoV1Signature,
                                  SignatureError::NoMatch, SignatureError::TooOld,
                                  SignatureError::TooFarInFuture};
    std::set<std::string> messages, codes;
    for (auto e : all) {
        messages.insert(si::toString(e));
        codes.insert(si::toCode(e));
    }
    BOOST_TEST(messages.size() == std::size(all));
    BOOST_TEST(codes.size() == std::size(all));
}

BOOST_AUTO_TEST_CASE(header_parsing_keeps_every_v1_and_the_last_t)
{
    auto parsed = si::parseSignatureHeader("t=1,v1=a,t=2,v1=b");
    BOOST_REQUIRE(parsed.timestamp.has_value());
    BOOST_TEST(*parsed.timestamp == 2);
    BOOST_TEST(parsed.v1Signatures == (std::vector<std::string>{"a", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
