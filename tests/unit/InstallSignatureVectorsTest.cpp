// Every case of shared/vectors/install-signature.json (verdicts from Stripe's
// own Node library) must get the same verdict here: one test case per vector.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "Vectors.h"
#include "core/InstallCallback.h"

namespace {

struct Vector {
    std::string name;
    Poco::JSON::Object::Ptr json; // null when the file could not be loaded
    std::string loadError;
};

std::ostream& operator<<(std::ostream& out, const Vector& vector) { return out << vector.name; }

template <typename T>
std::vector<T> stringsOf(const Poco::JSON::Array::Ptr& array)
{
    std::vector<T> values;
    for (std::size_t i = 0; i < array->size(); ++i)
        values.push_back(array->getElement<T>(static_cast<unsigned>(i)));
    return values;
}

std::vector<Vector> loadVectors(const std::string& file)
{
    std::vector<Vector> vectors;
    try {
        auto cases = si::test::loadVectorCases(file);
        for (std::size_t i = 0; i < cases->size(); ++i) {
            auto object = cases->getObject(static_cast<unsigned>(i));
            vectors.push_back({object->getValue<std::string>("name"), object, ""});
        }
    } catch (const std::exception& e) {
        vectors.push_back({"(vectors not loaded)", nullptr, e.what()});
    }
    return vectors;
}

std::vector<std::string> secretsOf(const Poco::JSON::Object::Ptr& v)
{
    return stringsOf<std::string>(v->getArray("secrets"));
}

std::string text(const Poco::JSON::Object::Ptr& object, const std::string& key)
{
    return object->getValue<std::string>(key);
}

si::SignaturePolicy policyOf(const Poco::JSON::Object::Ptr& v, const std::vector<std::string>& secrets)
{
    si::SignaturePolicy policy;
    policy.secrets = secrets;
    policy.now = v->getValue<std::int64_t>("now");
    policy.toleranceSeconds = v->getValue<std::int64_t>("tolerance");
    return policy;
}

void checkVerdict(const Poco::JSON::Object::Ptr& v, const si::SignatureCheck& check)
{
    auto expect = v->getObject("expect");
    const bool valid = expect->getValue<bool>("valid");
    BOOST_TEST(check.ok() == valid, "verdict: got " << si::toString(check.error));
    if (!valid) {
        const std::string reason = expect->getValue<std::string>("reason");
        const std::string message = si::toString(check.error);
        BOOST_TEST(message.rfind(reason, 0) == 0, "reason: expected \"" << reason << "\", got \"" << message << "\"");
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(InstallSignatureVectorsTest)

BOOST_DATA_TEST_CASE(install_signature_vector,
                     boost::unit_test::data::make(loadVectors("install-signature.json")), vector)
{
    BOOST_REQUIRE_MESSAGE(vector.json, vector.loadError);
    const auto& v = vector.json;

    // The callback exactly as the browser arrives with it.
    const auto callback = si::readInstallCallback(text(v, "callback_query"));
    BOOST_REQUIRE(callback.kind == si::InstallCallback::Kind::Install);

    // It decodes to the vector's fields...
    auto fields = v->getObject("fields");
    BOOST_TEST(callback.fields.userId == text(fields, "user_id"));
    BOOST_TEST(callback.fields.accountId == text(fields, "account_id"));
    BOOST_TEST(callback.fields.state.has_value() == fields->has("state"));
    if (fields->has("state"))
        BOOST_TEST(*callback.fields.state == text(fields, "state"));
    BOOST_TEST(callback.installSignature == text(v, "install_signature"));

    // ...whose payload is byte for byte what Stripe signed.
    const auto example = text(v, "signed_payload_example");
    const auto candidates = si::installPayloadCandidates(callback.fields);
    BOOST_TEST((std::find(candidates.begin(), candidates.end(), example) != candidates.end()),
               "signed payload " << example << " is not among ours");
    if (callback.fields.state)
        BOOST_TEST(si::installPayloadJson(callback.fields) == example);

    checkVerdict(v, si::verifyInstallSignature(callback, policyOf(v, secretsOf(v))));
}

BOOST_DATA_TEST_CASE(webhook_event_vector,
                     boost::unit_test::data::make(loadVectors("webhook-events.json")), vector)
{
    BOOST_REQUIRE_MESSAGE(vector.json, vector.loadError);
    const auto& v = vector.json;
    const auto check = si::verifySignature(text(v, "body"),
                                           text(v, "stripe_signature"),
                                           policyOf(v, {text(v, "secret")}));
    checkVerdict(v, check);
}

BOOST_AUTO_TEST_SUITE_END()
