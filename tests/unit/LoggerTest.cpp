#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/Logger.h"

BOOST_AUTO_TEST_SUITE(LoggerTest)

BOOST_AUTO_TEST_CASE(a_line_names_time_process_level_event_and_fields)
{
    std::ostringstream out;
    si::Logger log(out);
    log.info("install_recorded", {{"account", "acct_1"}, {"note", "two words"}, {"empty", ""}});
    const std::string line = out.str();
    const std::regex shape(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ stripe-install\[(\d+)\] info install_recorded )"
                           R"(account=acct_1 note="two words" empty=""\n$)");
    std::smatch match;
    BOOST_TEST_REQUIRE(std::regex_match(line, match, shape), line);
    BOOST_TEST(match[1].str() == std::to_string(getpid()));
}

BOOST_AUTO_TEST_CASE(values_are_made_safe_for_one_line)
{
    std::ostringstream out;
    si::Logger log(out);
    log.warn("bad_input", {{"value", "a\r\nb\x01\"c"}});
    const std::string line = out.str();
    BOOST_TEST(line.find('\r') == std::string::npos);
    BOOST_TEST(line.find('\x01') == std::string::npos);
    BOOST_TEST(line.find('\n') == line.size() - 1, line); // only the line's own end
    BOOST_TEST(line.find(" warn bad_input value=") != std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(lines_from_threads_never_interleave)
{
    std::ostringstream out;
    si::Logger log(out);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&log, t] {
            for (int i = 0; i < 200; ++i)
                log.error("event", {{"thread", std::to_string(t)}, {"i", std::to_string(i)}});
        });
    for (auto& thread : threads)
        thread.join();
    std::istringstream lines(out.str());
    const std::regex shape(R"(^\S+ stripe-install\[\d+\] error event thread=\d i=\d+$)");
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count)
        BOOST_TEST_REQUIRE(std::regex_match(line, shape), line);
    BOOST_TEST(count == 800);
}

BOOST_AUTO_TEST_SUITE_END()
