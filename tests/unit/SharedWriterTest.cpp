#include <boost/test/unit_test.hpp>

#include "StoreTestSuite.h"
#include "TempDir.h"
#include "core/StoreError.h"
#include "store/HandedWrites.h"
#include "store/SharedWriter.h"
#include "store/SqlStore.h"
#include "store/SqliteConnection.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using si::storetest::callbackInstall;
using si::storetest::code;
using si::storetest::consume;
using si::storetest::firstRow;
using si::storetest::kT0;
using si::storetest::makeEvent;
using si::storetest::makeState;

namespace {

/// Stores as the FastCGI program opens them under mod_fcgid: each as if in
/// a process of its own, all on one file, sharing one writer.
struct SharedWriterFixture {
    si::testing::TempDir dir;
    std::string dbPath = dir.path + "/store.db";
    std::mutex reportsMutex;
    std::vector<std::string> reports;

    si::StoreOptions options(bool notifications = false)
    {
        si::StoreOptions options;
        options.notifications = notifications;
        options.shareWriter = true;
        options.sharedWriterReport = [this](const std::string& event, const std::string& cause) {
            std::lock_guard<std::mutex> lock(reportsMutex);
            reports.push_back(event + ": " + cause);
        };
        return options;
    }
    std::unique_ptr<si::SqlStore> openShared() { return std::make_unique<si::SqlStore>("sqlite", dbPath, 5000, "", options()); }
    si::storetest::StoreFactory open = [this] { return openShared(); };
    si::storetest::StoreFactory openNotifying = [this] {
        return std::make_unique<si::SqlStore>("sqlite", dbPath, 5000, "", options(true));
    };
    std::unique_ptr<si::SqlConnection> raw() { return si::openSqlite(dbPath, 5000); }

    /// Reports so far that start with `event`.
    std::size_t reported(const std::string& event)
    {
        std::lock_guard<std::mutex> lock(reportsMutex);
        std::size_t count = 0;
        for (const std::string& report : reports)
            count += report.rfind(event + ":", 0) == 0;
        return count;
    }

    std::int64_t statesStored() { return firstRow(*raw(), "SELECT COUNT(*) FROM install_states").at(0); }
};

/// A socket connected to the shared writer named `name`.
int connectTo(const std::string& name)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const int socket = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::connect(socket, reinterpret_cast<const sockaddr*>(&address), size) != 0) {
        ::close(socket);
        return -1;
    }
    return socket;
}

/// What arrives on `socket` within two seconds: the answer's fields, or
/// nullopt when the other end closed without one.
std::optional<si::WriteFields> answerOn(int socket)
{
    si::WriteFrameReader reader;
    for (;;) {
        if (auto fields = reader.next())
            return fields;
        pollfd readable{socket, POLLIN, 0};
        BOOST_REQUIRE_MESSAGE(::poll(&readable, 1, 2000) == 1, "no answer and no close within 2 s");
        char bytes[4096];
        const ssize_t n = ::recv(socket, bytes, sizeof bytes, 0);
        if (n <= 0)
            return std::nullopt;
        reader.append(bytes, static_cast<std::size_t>(n));
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(SharedWriterTest)

// Every case of the store suite, with the writes of every store but the
// first to write carried by that first one.
SI_SHARED_STORE_TEST_CASES(SharedWriterFixture)

BOOST_FIXTURE_TEST_CASE(the_first_store_to_write_leads_and_the_others_hand_it_their_writes, SharedWriterFixture)
{
    auto leader = openShared();
    auto other = openShared();
    leader->saveState(makeState("a"));
    BOOST_TEST(leader->leadsSharedWriter());
    BOOST_TEST(reported("shared_writer_started") == 1u);
    const auto committedBefore = leader->transactionsCommitted();

    other->saveState(makeState("b"));
    BOOST_TEST(!other->leadsSharedWriter());
    const si::ConsumeResult result = consume(*other, "b", kT0 + 1, callbackInstall("acct_B", false, "usr_B"));
    BOOST_TEST(code(result.outcome) == code(si::ConsumeOutcome::Consumed));
    BOOST_TEST(result.install.accountId == "acct_B");
    BOOST_TEST(!result.install.livemode);
    BOOST_TEST(result.install.userId == "usr_B");
    BOOST_TEST(result.install.installedAt == kT0 + 1);
    BOOST_TEST(result.install.source == "callback");
    BOOST_TEST(code(consume(*other, "b", kT0 + 2, callbackInstall("acct_B", false)).outcome) ==
               code(si::ConsumeOutcome::AlreadyUsed));
    const auto effect = other->applyWebhookEvent(
        makeEvent("evt_1", si::storetest::kDeauthorized, "acct_B", kT0 + 5, false), kT0 + 6);
    BOOST_TEST(code(effect) == code(si::WebhookEffect::Revoked));

    // Committed by the leader's connection, none by the other's.
    BOOST_TEST(other->transactionsCommitted() == 0u);
    BOOST_TEST(leader->transactionsCommitted() == committedBefore + 4);
    const auto installs = leader->findInstalls("acct_B");
    BOOST_REQUIRE(installs.size() == 1u);
    BOOST_TEST(!installs[0].active());
    BOOST_TEST(installs[0].revokeEventId == "evt_1");
}

BOOST_FIXTURE_TEST_CASE(a_write_that_fails_in_the_leader_fails_in_its_sender_alone, SharedWriterFixture)
{
    auto leader = openShared();
    auto other = openShared();
    leader->saveState(makeState("a"));
    other->saveState(makeState("dup"));
    si::storetest::checkStoreError([&] { other->saveState(makeState("dup")); }, "install_states.token_hash");
    si::storetest::checkStoreError([&] { other->saveState(makeState("dup")); }, dbPath);
    other->saveState(makeState("next"));
    BOOST_TEST(statesStored() == 3);
}

BOOST_FIXTURE_TEST_CASE(writes_sent_at_once_by_several_stores_commit_together, SharedWriterFixture)
{
    auto leader = openShared();
    leader->saveState(makeState("first"));
    constexpr int kSenders = 8;
    constexpr int kEach = 40;
    std::vector<std::unique_ptr<si::SqlStore>> senders;
    for (int i = 0; i < kSenders; ++i)
        senders.push_back(openShared());
    const auto committedBefore = leader->transactionsCommitted();
    const auto errors = si::storetest::runTogether(kSenders, [](int) {}, [&](int sender) {
        for (int n = 0; n < kEach; ++n) {
            const std::string token = std::to_string(sender) + "-" + std::to_string(n);
            senders[sender]->saveState(makeState(token));
            const auto result = consume(*senders[sender], token, kT0 + 1, callbackInstall("acct_" + token));
            if (result.outcome != si::ConsumeOutcome::Consumed)
                throw std::runtime_error("not consumed: " + token + " " + code(result.outcome));
        }
    });
    BOOST_TEST(errors.empty(), errors.size() << " senders failed, first: " << (errors.empty() ? "" : errors[0]));
    for (const auto& sender : senders)
        BOOST_TEST(sender->transactionsCommitted() == 0u);
    const auto transactions = leader->transactionsCommitted() - committedBefore;
    BOOST_TEST_MESSAGE(kSenders * kEach * 2 << " writes in " << transactions << " transactions");
    BOOST_TEST(transactions < static_cast<std::uint64_t>(kSenders * kEach * 2));
    BOOST_TEST(firstRow(*raw(), "SELECT COUNT(*) FROM installs").at(0) == kSenders * kEach);
}

BOOST_FIXTURE_TEST_CASE(a_leader_that_stops_answers_what_it_took_and_the_others_carry_on, SharedWriterFixture)
{
    auto leader = openShared();
    leader->saveState(makeState("first"));
    auto sender = openShared();
    constexpr int kWrites = 400;
    std::atomic<int> written{0};
    std::vector<std::string> failures;
    std::thread writing([&] {
        for (int n = 0; n < kWrites; ++n) {
            try {
                sender->saveState(makeState("w" + std::to_string(n)));
            } catch (const std::exception& e) {
                failures.push_back(e.what());
            }
            ++written;
        }
    });
    while (written < kWrites / 4)
        std::this_thread::yield();
    leader.reset(); // mid-stream: stops taking writes, answers those it took
    writing.join();
    BOOST_TEST(failures.empty(), failures.size() << " failed, first: " << (failures.empty() ? "" : failures[0]));
    BOOST_TEST(statesStored() == kWrites + 1);
    // The sender found nobody leading and took over.
    BOOST_TEST(sender->leadsSharedWriter());
    BOOST_TEST(reported("shared_writer_started") == 2u);
}

BOOST_FIXTURE_TEST_CASE(bytes_that_are_not_a_write_cost_only_their_sender_its_connection, SharedWriterFixture)
{
    auto leader = openShared();
    leader->saveState(makeState("a"));

    const int unknown = connectTo(si::sharedWriterName(dbPath));
    BOOST_REQUIRE(unknown >= 0);
    const std::string frame = si::writeFrame({"drop_table", "installs"});
    BOOST_REQUIRE(::send(unknown, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size()));
    const auto answer = answerOn(unknown);
    BOOST_REQUIRE(answer.has_value());
    BOOST_TEST(answer->at(0) == "error");
    BOOST_TEST(answer->at(1).find("not a write this program knows") != std::string::npos);
    ::close(unknown);

    const int garbage = connectTo(si::sharedWriterName(dbPath));
    BOOST_REQUIRE(garbage >= 0);
    BOOST_REQUIRE(::send(garbage, "\x7f\xff\xff\xffxyz", 7, 0) == 7);
    BOOST_TEST(!answerOn(garbage).has_value()); // closed, without an answer
    ::close(garbage);
    BOOST_TEST(reported("shared_writer_refused") == 1u);

    auto other = openShared();
    other->saveState(makeState("b"));
    BOOST_TEST(!other->leadsSharedWriter());
    BOOST_TEST(statesStored() == 2);
}

BOOST_FIXTURE_TEST_CASE(another_users_process_is_neither_served_nor_used, SharedWriterFixture)
{
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("needs root to run a process as another user; skipped");
        return;
    }
    constexpr uid_t kNobody = 65534;
    // Another user's process on the name: this store writes for itself.
    int ready[2];
    BOOST_REQUIRE(::pipe(ready) == 0);
    si::SqlStore("sqlite", dbPath, 5000); // the file, and so its name (the children cannot stat it)
    const std::string name = si::sharedWriterName(dbPath);
    BOOST_REQUIRE(!name.empty());
    const pid_t squatter = ::fork();
    BOOST_REQUIRE(squatter >= 0);
    if (squatter == 0) {
        if (::setuid(kNobody) != 0)
            ::_exit(1);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path + 1, name.data(), name.size());
        const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (::bind(listener, reinterpret_cast<const sockaddr*>(&address),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())) != 0 ||
            ::listen(listener, 8) != 0)
            ::_exit(2);
        (void)!::write(ready[1], "r", 1);
        for (;;)
            ::pause();
    }
    ::close(ready[1]);
    char byte = 0;
    BOOST_REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    {
        auto store = openShared();
        store->saveState(makeState("mine"));
        BOOST_TEST(!store->leadsSharedWriter());
        BOOST_TEST(store->transactionsCommitted() == 1u);
        BOOST_TEST(reported("shared_writer_foreign") == 1u);
    }
    ::kill(squatter, SIGKILL);
    ::waitpid(squatter, nullptr, 0);
    BOOST_TEST(statesStored() == 1);

    // Another user's process sending a write: not served.
    auto leader = openShared();
    leader->saveState(makeState("lead"));
    BOOST_REQUIRE(leader->leadsSharedWriter());
    const pid_t sender = ::fork();
    BOOST_REQUIRE(sender >= 0);
    if (sender == 0) {
        if (::setuid(kNobody) != 0)
            ::_exit(1);
        const int socket = connectTo(name);
        const std::string frame = si::writeFrame(si::handed::saveStateRequest(makeState("theirs")));
        if (socket < 0)
            ::_exit(3);
        // Closed without an answer: at once (the send fails) or after it.
        if (::send(socket, frame.data(), frame.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(frame.size()))
            ::_exit(errno == EPIPE || errno == ECONNRESET ? 0 : 4);
        char answer = 0;
        const ssize_t n = ::recv(socket, &answer, 1, 0);
        ::_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 5);
    }
    int status = 0;
    BOOST_REQUIRE(::waitpid(sender, &status, 0) == sender);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(reported("shared_writer_refused") == 1u);
    BOOST_TEST(statesStored() == 2);
}

BOOST_AUTO_TEST_CASE(only_a_database_file_has_a_name)
{
    si::testing::TempDir dir;
    BOOST_TEST(si::sharedWriterName(":memory:").empty());
    BOOST_TEST(si::sharedWriterName("file:" + dir.path + "/x.db").empty());
    BOOST_TEST(si::sharedWriterName(dir.path + "/missing.db").empty());
    const std::string name = si::sharedWriterName(dir.path);
    BOOST_TEST(name.rfind("stripe-install/writer/", 0) == 0u);
    BOOST_TEST(name.size() < 100u);
}

BOOST_AUTO_TEST_SUITE_END()
