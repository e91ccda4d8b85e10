#include <boost/test/unit_test.hpp>

#include <cstring>
#include <set>

#include "core/StateToken.h"

namespace {

class FixedRandom : public si::RandomSource {
public:
    explicit FixedRandom(unsigned char byte) : _byte(byte) {}
    void fill(unsigned char* bytes, std::size_t size) override { std::memset(bytes, _byte, size); }

private:
    unsigned char _byte;
};

/// Counts its fills and hands out 0, 1, 2, … across them.
class CountingRandom : public si::RandomSource {
public:
    void fill(unsigned char* bytes, std::size_t size) override
    {
        ++calls;
        for (std::size_t i = 0; i < size; ++i)
            bytes[i] = next++;
    }
    int calls = 0;
    unsigned char next = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(StateTokenTest)

BOOST_AUTO_TEST_CASE(a_random_batch_serves_its_bytes_in_order_from_one_fill)
{
    CountingRandom source;
    si::RandomBatch batch(source, 32 + 26);
    BOOST_TEST(source.calls == 1);
    unsigned char first[32];
    unsigned char second[26];
    batch.fill(first, sizeof first);
    batch.fill(second, sizeof second);
    BOOST_TEST(source.calls == 1);
    BOOST_TEST(first[0] == 0);
    BOOST_TEST(first[31] == 31);
    BOOST_TEST(second[0] == 32);
    BOOST_TEST(second[25] == 57);
    // Past the batch: the rest from the source, still in order.
    unsigned char more[4];
    batch.fill(more, sizeof more);
    BOOST_TEST(source.calls == 2);
    BOOST_TEST(more[0] == 58);
    BOOST_TEST(more[3] == 61);
}

BOOST_AUTO_TEST_CASE(a_random_batch_larger_than_its_buffer_takes_the_rest_from_the_source)
{
    CountingRandom source;
    si::RandomBatch batch(source, 1000);
    unsigned char bytes[100];
    batch.fill(bytes, sizeof bytes);
    BOOST_TEST(source.calls == 2); // kMaxBytes at construction, the other 36 now
    for (std::size_t i = 0; i < sizeof bytes; ++i)
        BOOST_TEST_REQUIRE(bytes[i] == i);
}

BOOST_AUTO_TEST_CASE(tokens_minted_from_one_system_batch_differ)
{
    si::SystemRandom system;
    std::set<std::string> seen;
    for (int i = 0; i < 500; ++i) {
        si::RandomBatch batch(system, 32 + 26);
        seen.insert(si::mintToken(batch));
        seen.insert(si::mintStateToken(batch, 1'790'000'000'000));
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(is_base64url_of_32_bytes_without_padding)
{
    FixedRandom ones(0xFF);
    BOOST_TEST(si::mintToken(ones) == std::string(42, '_') + "8");
    FixedRandom zeros(0x00);
    BOOST_TEST(si::mintToken(zeros) == std::string(43, 'A'));
}

BOOST_AUTO_TEST_CASE(system_tokens_are_distinct_and_well_formed)
{
    si::SystemRandom random;
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string token = si::mintToken(random);
        BOOST_TEST(si::looksLikeToken(token), token);
        seen.insert(token);
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(a_state_starts_with_its_minting_time)
{
    FixedRandom zeros(0x00);
    // 0x0102030405AB ms, then 26 zero bytes: base64url of 01 02 03 04 05 AB 00 … is "AQIDBAWrAA…".
    const std::string state = si::mintStateToken(zeros, 0x0102030405AB);
    BOOST_TEST(state == "AQIDBAWr" + std::string(35, 'A'));
    BOOST_TEST(si::looksLikeToken(state));
    BOOST_TEST(si::stateKey(state) == "0102030405ab" + si::legacyStateKey(state));
    BOOST_TEST(si::legacyStateKey(state).size() == 64u);
}

BOOST_AUTO_TEST_CASE(state_keys_sort_as_their_minting_times)
{
    si::SystemRandom random;
    // 2026-11-30 in ms, then across a second, a day and 2100.
    const std::int64_t times[] = {1796000000000, 1796000000001, 1796000000999, 1796000001000, 1796086400000,
                                  4102444800000};
    std::string previous;
    for (std::int64_t t : times) {
        const std::string state = si::mintStateToken(random, t);
        const std::string key = si::stateKey(state);
        BOOST_TEST(key.size() == 76u);
        BOOST_TEST(key > previous, key << " after " << previous);
        previous = key;
    }
}

BOOST_AUTO_TEST_CASE(states_of_one_millisecond_differ_in_208_random_bits)
{
    si::SystemRandom random;
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string state = si::mintStateToken(random, 1796000000000);
        BOOST_TEST(state.compare(0, 8, si::mintStateToken(random, 1796000000000), 0, 8) == 0);
        seen.insert(state);
    }
    BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(looks_like_token_refuses_other_shapes)
{
    BOOST_TEST(!si::looksLikeToken(""));
    BOOST_TEST(!si::looksLikeToken(std::string(42, 'a')));
    BOOST_TEST(!si::looksLikeToken(std::string(44, 'a')));
    BOOST_TEST(!si::looksLikeToken(std::string(42, 'a') + "="));
    BOOST_TEST(!si::looksLikeToken(std::string(42, 'a') + "+"));
    BOOST_TEST(si::looksLikeToken(std::string(42, 'a') + "-"));
}

BOOST_AUTO_TEST_SUITE_END()
