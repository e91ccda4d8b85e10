// The senders against real things: /bin/sh scripts for [notify] command, and
// a Poco HTTPServer on 127.0.0.1 for [notify] url.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include "core/SignatureVerifier.h"
#include "net/HttpNotificationSender.h"
#include "stripe/CommandNotificationSender.h"

namespace {

si::OutboxEntry sampleEntry()
{
    si::Install install;
    install.accountId = "acct_1A2b3C4d";
    install.userId = "usr_9";
    install.livemode = false;
    install.ref = "spring sale";
    return si::newOutboxEntry(si::makeNotification("ntf_0123456789abcdef0123456789abcdef",
                                                   si::NotificationType::InstallCreated, install, 1700000100));
}

/// A scratch folder with executable scripts, removed afterwards.
class Scripts {
public:
    Scripts()
    {
        char pattern[] = "/tmp/si-notify-test-XXXXXX";
        _dir = ::mkdtemp(pattern);
    }
    ~Scripts() { std::system(("rm -rf '" + _dir + "'").c_str()); }
    std::string write(const std::string& name, const std::string& body)
    {
        const std::string path = _dir + "/" + name;
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        ::chmod(path.c_str(), 0700);
        return path;
    }
    std::string path(const std::string& name) const { return _dir + "/" + name; }
    static std::string read(const std::string& path)
    {
        std::ifstream in(path);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

private:
    std::string _dir;
};

bool processGone(const std::string& pid)
{
    // Gone, or a zombie waiting for a reaper (no subreaper in some containers).
    std::ifstream stat("/proc/" + pid + "/stat");
    if (!stat)
        return true;
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
}

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- a tiny HTTP receiver ----------------------------------------------------

struct Received {
    std::mutex mutex;
    std::string method, uri, body, signature, contentType;
    int answer = 200;
    int delayMs = 0;
};

class Receiver : public Poco::Net::HTTPRequestHandler {
public:
    explicit Receiver(Received& received) : _received(received) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        std::string body;
        Poco::StreamCopier::copyToString(request.stream(), body);
        int answer, delay;
        {
            std::lock_guard<std::mutex> lock(_received.mutex);
            _received.method = request.getMethod();
            _received.uri = request.getURI();
            _received.body = body;
            _received.signature = request.get("Stripe-Signature", "");
            _received.contentType = request.getContentType();
            answer = _received.answer;
            delay = _received.delayMs;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer));
        response.send() << "receiver says " << answer;
    }

private:
    Received& _received;
};

class ReceiverFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit ReceiverFactory(Received& received) : _received(received) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new Receiver(_received);
    }

private:
    Received& _received;
};

struct HttpFixture {
    Received received;
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress("127.0.0.1", 0)};
    Poco::Net::HTTPServer server{new ReceiverFactory(received), socket, new Poco::Net::HTTPServerParams};
    std::string url;
    HttpFixture()
    {
        server.start();
        url = "http://127.0.0.1:" + std::to_string(socket.address().port()) + "/hooks/stripe-install?x=1";
    }
    ~HttpFixture()
    {
        // Let a handler still answering (the slow-receiver case) finish
        // first: a server thread running past the test's end would touch
        // freed statics at exit.
        server.stop();
        for (int i = 0; i < 500 && server.currentConnections() > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        server.stopAll(true);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(NotificationSenderTest)

BOOST_AUTO_TEST_CASE(command_gets_the_fields_in_its_environment_and_the_json_on_stdin)
{
    Scripts scripts;
    const std::string out = scripts.path("out");
    const std::string program = scripts.write("ok.sh", "env | grep '^NOTIFY_' | sort > '" + out +
                                                           ".env'\ncat > '" + out + ".json'\necho \"secret=[$SI_TEST_SECRET]\" >> '" +
                                                           out + ".env'\nexit 0");
    ::setenv("SI_TEST_SECRET", "do-not-pass-me", 1);
    si::CommandNotificationSender sender(program, 5000);
    const auto attempt = sender.deliver(sampleEntry());
    ::unsetenv("SI_TEST_SECRET");
    BOOST_TEST(attempt.delivered, attempt.error);
    BOOST_TEST(Scripts::read(out + ".json") == sampleEntry().body);
    BOOST_TEST(Scripts::read(out + ".env") == "NOTIFY_ACCOUNT_ID=acct_1A2b3C4d\n"
                                             "NOTIFY_EVENT_ID=ntf_0123456789abcdef0123456789abcdef\n"
                                             "NOTIFY_LIVEMODE=false\n"
                                             "NOTIFY_REF=spring sale\n"
                                             "NOTIFY_TIME=1700000100\n"
                                             "NOTIFY_TYPE=install.created\n"
                                             "NOTIFY_USER_ID=usr_9\n"
                                             "secret=[]\n");
}

BOOST_AUTO_TEST_CASE(command_exiting_non_zero_is_a_failed_attempt_quoting_its_output)
{
    Scripts scripts;
    si::CommandNotificationSender sender(scripts.write("fail.sh", "echo 'backend down' >&2\nexit 3"), 5000);
    const auto attempt = sender.deliver(sampleEntry());
    BOOST_TEST(!attempt.delivered);
    BOOST_TEST(attempt.error == "[notify] command exited with status 3: backend down");
}

BOOST_AUTO_TEST_CASE(command_that_ignores_stdin_still_counts)
{
    Scripts scripts;
    si::CommandNotificationSender sender(scripts.write("quick.sh", "exit 0"), 5000);
    BOOST_TEST(sender.deliver(sampleEntry()).delivered);
}

BOOST_AUTO_TEST_CASE(command_past_the_timeout_is_killed_with_its_process_group)
{
    Scripts scripts;
    const std::string pidFile = scripts.path("pid");
    // A background child that would outlive its parent, and a parent that waits.
    const std::string program =
        scripts.write("slow.sh", "sleep 30 &\necho $! > '" + pidFile + "'\necho started\nwait");
    si::CommandNotificationSender sender(program, 300);
    const auto start = std::chrono::steady_clock::now();
    const auto attempt = sender.deliver(sampleEntry());
    const double took = secondsSince(start);
    BOOST_TEST(!attempt.delivered);
    BOOST_TEST(took >= 0.29);
    BOOST_TEST(took < 3.0);
    BOOST_TEST(attempt.error.find("did not finish within 300 ms") != std::string::npos, attempt.error);
    BOOST_TEST(attempt.error.find("started") != std::string::npos, attempt.error);
    std::string pid = Scripts::read(pidFile);
    while (!pid.empty() && pid.back() == '\n')
        pid.pop_back();
    BOOST_REQUIRE(!pid.empty());
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        gone = processGone(pid);
        if (!gone)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    BOOST_TEST(gone, "the background sleep " << pid << " survived");
}

BOOST_AUTO_TEST_CASE(command_that_cannot_run_says_so)
{
    Scripts scripts;
    const std::string path = scripts.write("noexec.sh", "exit 0");
    ::chmod(path.c_str(), 0600);
    si::CommandNotificationSender sender(path, 5000);
    const auto attempt = sender.deliver(sampleEntry());
    BOOST_TEST(!attempt.delivered);
    BOOST_TEST(attempt.error.find("status 127") != std::string::npos, attempt.error);
    BOOST_TEST(attempt.error.find("cannot execute") != std::string::npos, attempt.error);
    BOOST_CHECK_THROW(si::CommandNotificationSender("notify.sh", 1000), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(http_posts_the_body_signed_like_a_stripe_webhook)
{
    HttpFixture http;
    si::HttpNotificationSender sender(http.url, "whsec_notify", 5000, [] { return std::int64_t{1700000200}; });
    const auto entry = sampleEntry();
    const auto attempt = sender.deliver(entry);
    BOOST_TEST(attempt.delivered, attempt.error);
    std::lock_guard<std::mutex> lock(http.received.mutex);
    BOOST_TEST(http.received.method == "POST");
    BOOST_TEST(http.received.uri == "/hooks/stripe-install?x=1");
    BOOST_TEST(http.received.body == entry.body);
    BOOST_TEST(http.received.contentType.rfind("application/json", 0) == 0u);
    BOOST_TEST(http.received.signature.rfind("t=1700000200,v1=", 0) == 0u);
    BOOST_TEST(si::verifySignature(http.received.body, http.received.signature,
                                   si::SignaturePolicy{{"whsec_notify"}, 1700000200, 300})
                   .ok());
}

BOOST_AUTO_TEST_CASE(http_non_2xx_is_a_failed_attempt)
{
    HttpFixture http;
    http.received.answer = 503;
    si::HttpNotificationSender sender(http.url, "whsec_notify", 5000, [] { return std::int64_t{1}; });
    const auto attempt = sender.deliver(sampleEntry());
    BOOST_TEST(!attempt.delivered);
    BOOST_TEST(attempt.error == "HTTP 503 from 127.0.0.1: receiver says 503");
    BOOST_TEST(attempt.error.find("whsec_notify") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(http_slow_receiver_times_out)
{
    HttpFixture http;
    http.received.delayMs = 1500;
    si::HttpNotificationSender sender(http.url, "whsec_notify", 300, [] { return std::int64_t{1}; });
    const auto start = std::chrono::steady_clock::now();
    const auto attempt = sender.deliver(sampleEntry());
    BOOST_TEST(!attempt.delivered);
    BOOST_TEST(secondsSince(start) < 1.4);
    BOOST_TEST(attempt.error.find("within 300 ms") != std::string::npos, attempt.error);
}

BOOST_AUTO_TEST_CASE(http_refused_connection_is_a_failed_attempt)
{
    std::string url;
    {
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        url = "http://127.0.0.1:" + std::to_string(socket.address().port()) + "/";
    } // closed: nothing listens there now
    si::HttpNotificationSender sender(url, "whsec_notify", 1000, [] { return std::int64_t{1}; });
    const auto attempt = sender.deliver(sampleEntry());
    BOOST_TEST(!attempt.delivered);
    BOOST_TEST(attempt.error.find("cannot reach 127.0.0.1") != std::string::npos, attempt.error);
}

BOOST_AUTO_TEST_CASE(http_settings_are_checked)
{
    const auto clock = [] { return std::int64_t{1}; };
    BOOST_CHECK_THROW(si::HttpNotificationSender("http://127.0.0.1/", "", 1000, clock), std::invalid_argument);
    BOOST_CHECK_THROW(si::HttpNotificationSender("ftp://example.com/", "s", 1000, clock), std::invalid_argument);
    BOOST_CHECK_THROW(si::HttpNotificationSender("not a url", "s", 1000, clock), std::invalid_argument);
    BOOST_CHECK_NO_THROW(si::HttpNotificationSender("https://example.com/hook", "s", 1000, clock));
}

BOOST_AUTO_TEST_SUITE_END()
