#include <boost/test/unit_test.hpp>

#include <fcntl.h>
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

BOOST_AUTO_TEST_CASE(lines_written_to_a_file_descriptor_from_threads_stay_whole)
{
    // A pipe, as a web server gives a FastCGI program for stderr; read by
    // a thread of its own so that no writer blocks on a full pipe for long.
    int ends[2];
    BOOST_TEST_REQUIRE(pipe(ends) == 0);
    std::string received;
    std::thread reader([&received, in = ends[0]] {
        char buffer[8192];
        ssize_t n;
        while ((n = read(in, buffer, sizeof buffer)) > 0)
            received.append(buffer, static_cast<std::size_t>(n));
    });
    {
        si::Logger log(ends[1]);
        const std::string longValue(250, 'x'); // logSafe keeps 300 a value: 20 of them pass PIPE_BUF
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&log, &longValue, t] {
                for (int i = 0; i < 200; ++i) {
                    if (i % 50 == 0)
                        log.warn("long", {{"a", longValue}, {"b", longValue}, {"c", longValue}, {"d", longValue},
                                          {"e", longValue}, {"f", longValue}, {"g", longValue}, {"h", longValue},
                                          {"i", longValue}, {"j", longValue}, {"k", longValue}, {"l", longValue},
                                          {"m", longValue}, {"n", longValue}, {"o", longValue}, {"p", longValue},
                                          {"q", longValue}, {"r", longValue}, {"s", longValue}, {"t", longValue}});
                    else
                        log.error("event", {{"thread", std::to_string(t)}, {"i", std::to_string(i)}});
                }
            });
        for (auto& thread : threads)
            thread.join();
    }
    close(ends[1]);
    reader.join();
    close(ends[0]);
    std::istringstream lines(received);
    const std::regex shortShape(R"(^\S+ stripe-install\[\d+\] error event thread=\d i=\d+$)");
    // Over 5,000 bytes in all: cut to one write's worth, and marked.
    const std::regex longShape(R"(^\S+ stripe-install\[\d+\] warn long( [a-t]=x{250})+ [a-t]=x*…$)");
    int shortLines = 0, longLines = 0;
    for (std::string line; std::getline(lines, line);) {
        if (std::regex_match(line, shortShape)) {
            ++shortLines;
        } else if (std::regex_match(line, longShape)) {
            ++longLines;
            BOOST_TEST(line.size() + 1 == si::Logger::kMaxLineBytes);
        } else {
            BOOST_FAIL("a line not whole: " << line.substr(0, 200));
        }
    }
    BOOST_TEST(shortLines == 4 * 196);
    BOOST_TEST(longLines == 4 * 4);
}

BOOST_AUTO_TEST_CASE(a_line_is_cut_at_a_character_not_inside_one)
{
    std::ostringstream out;
    si::Logger log(out);
    // Fourteen values cut by logSafe to 300 bytes and "…" (three bytes):
    // over 4,096 in all. A pad moves the line's cut across one value and
    // its "…", so that some cuts fall inside one.
    const std::string value(400, 'x');
    for (std::size_t pad = 0; pad < 320; ++pad) {
        out.str("");
        log.info("cut", {{"pad", std::string(pad, 'p')}, {"a", value}, {"b", value}, {"c", value}, {"d", value},
                         {"e", value}, {"f", value}, {"g", value}, {"h", value}, {"i", value}, {"j", value},
                         {"k", value}, {"l", value}, {"m", value}, {"n", value}});
        const std::string line = out.str();
        BOOST_TEST_REQUIRE(line.size() <= si::Logger::kMaxLineBytes);
        BOOST_TEST_REQUIRE(line.size() >= si::Logger::kMaxLineBytes - 3, "cut too early: " << line.size());
        const std::string end = "…\n";
        BOOST_TEST_REQUIRE(line.compare(line.size() - end.size(), end.size(), end) == 0);
        // Valid UTF-8: every byte past ASCII is part of a whole "…".
        for (std::size_t at = 0; at < line.size(); ++at) {
            if (static_cast<unsigned char>(line[at]) < 0x80)
                continue;
            BOOST_TEST_REQUIRE(line.compare(at, 3, "…") == 0, "pad " << pad << ": a broken character at " << at);
            at += 2;
        }
    }
}

BOOST_AUTO_TEST_CASE(a_line_that_cannot_be_written_now_is_dropped_not_waited_for, *boost::unit_test::timeout(20))
{
    // stderr a non-blocking pipe that no one reads for a while: the request
    // must go on, and the log with it once there is room again.
    int ends[2];
    BOOST_TEST_REQUIRE(pipe(ends) == 0);
    BOOST_TEST_REQUIRE(fcntl(ends[1], F_SETFL, O_NONBLOCK) == 0);
    const std::string filler(4096, '.');
    while (write(ends[1], filler.data(), filler.size()) > 0) {
    }
    si::Logger log(ends[1]);
    for (int i = 0; i < 100; ++i)
        log.error("dropped", {{"i", std::to_string(i)}}); // returns (a hang fails by the timeout)
    std::string drained;
    char buffer[65536];
    BOOST_TEST_REQUIRE(fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0);
    for (ssize_t n; (n = read(ends[0], buffer, sizeof buffer)) > 0;)
        drained.append(buffer, static_cast<std::size_t>(n));
    BOOST_TEST(drained.find("dropped") == std::string::npos);
    log.info("after", {{"k", "v"}});
    const ssize_t n = read(ends[0], buffer, sizeof buffer);
    BOOST_TEST_REQUIRE(n > 0);
    const std::string line(buffer, static_cast<std::size_t>(n));
    BOOST_TEST(line.find(" info after k=v\n") != std::string::npos, line);
    close(ends[0]);
    close(ends[1]);
}

BOOST_AUTO_TEST_SUITE_END()
