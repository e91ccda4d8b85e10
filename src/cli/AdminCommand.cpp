// `stripe-install admin set-password`: makes the [admin] password_hash line
// for the admin page. The password is read without echo (or from stdin for
// scripts) and never printed; only its salted PBKDF2 hash is.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "core/AdminAuth.h"
#include "core/StateToken.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install admin set-password [--password-stdin] [--iterations N]

Asks for a new admin password (twice, without echo) and prints the line to
put in the [admin] section of the configuration:

  password_hash = pbkdf2-sha256$600000$<salt>$<hash>

The password itself is never printed or stored. The admin page (/admin) is
disabled until password_hash is set. A new password ends every admin session
unless [admin] session_secret is set.

  --password-stdin   read the password from the first line of stdin (for
                     scripts: printf '%s\n' "$PW" | stripe-install admin set-password --password-stdin)
  --iterations N     PBKDF2 rounds, 200000 to 10000000 (default 600000)
)";

constexpr std::size_t kMinPasswordLength = 12;
constexpr std::size_t kMaxPasswordLength = 1024;

/// Turns terminal echo off for its lifetime.
class EchoOff {
public:
    EchoOff()
    {
        if (::tcgetattr(STDIN_FILENO, &_saved) != 0)
            return;
        termios quiet = _saved;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        quiet.c_lflag |= ECHONL;
        _active = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    ~EchoOff()
    {
        if (_active)
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &_saved);
    }

private:
    termios _saved{};
    bool _active = false;
};

std::optional<std::string> readLine()
{
    std::string line;
    if (!std::getline(std::cin, line))
        return std::nullopt;
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

std::optional<std::string> promptTwice()
{
    EchoOff quiet;
    std::cerr << "New admin password: " << std::flush;
    auto first = readLine();
    if (!first)
        return std::nullopt;
    std::cerr << "The same again: " << std::flush;
    auto second = readLine();
    if (!second || *second != *first) {
        std::cerr << "admin set-password: the two passwords differ; nothing changed\n";
        return std::nullopt;
    }
    return first;
}

int setPassword(Arguments& args)
{
    bool fromStdin = false;
    unsigned iterations = kDefaultPasswordIterations;
    while (!args.done()) {
        if (args.flag("--help") || args.flag("-h")) {
            std::cout << kHelp;
            return 0;
        }
        if (args.flag("--password-stdin")) {
            fromStdin = true;
        } else if (auto value = args.option("--iterations")) {
            const long long n = parseInteger(*value, "--iterations");
            if (n < kMinPasswordIterations || n > kMaxPasswordIterations)
                throw UsageError("--iterations must be from " + std::to_string(kMinPasswordIterations) + " to " +
                                 std::to_string(kMaxPasswordIterations));
            iterations = static_cast<unsigned>(n);
        } else {
            throw UsageError("unknown argument " + args.peek() + " for admin set-password");
        }
    }
    if (!fromStdin && !::isatty(STDIN_FILENO))
        throw UsageError("stdin is not a terminal: pass --password-stdin to read the password from it");

    const auto password = fromStdin ? readLine() : promptTwice();
    if (!password) {
        if (fromStdin)
            std::cerr << "admin set-password: no password on stdin\n";
        return 1;
    }
    if (password->size() < kMinPasswordLength || password->size() > kMaxPasswordLength) {
        std::cerr << "admin set-password: the password must be " << kMinPasswordLength << " to "
                  << kMaxPasswordLength << " characters long (a passphrase of several words is easy to type)\n";
        return 1;
    }
    SystemRandom random;
    const std::string hash = hashPassword(*password, random, iterations);
    std::cerr << "Put this line in the [admin] section of your configuration:\n";
    std::cout << "password_hash = " << hash << "\n";
    return 0;
}

int adminCommand(const std::vector<std::string>& words)
{
    Arguments args(words);
    try {
        if (args.done())
            throw UsageError("say what to do: set-password");
        const std::string what = args.take();
        if (what == "--help" || what == "-h") {
            std::cout << kHelp;
            return 0;
        }
        if (what == "set-password")
            return setPassword(args);
        throw UsageError("unknown admin command " + what + " (known: set-password)");
    } catch (const UsageError& e) {
        std::cerr << "admin: " << e.what() << "\n(see stripe-install admin --help)\n";
        return 2;
    }
}

const CommandRegistration registration{"admin", "set-password: make the [admin] password_hash for the admin page",
                                       &adminCommand};

} // namespace
} // namespace si::cli
