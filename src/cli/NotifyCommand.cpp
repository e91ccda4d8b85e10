// `stripe-install notify list|flush`: the notification outbox from a shell.
#include <iostream>
#include <sstream>

#include "cli/Arguments.h"
#include "cli/CommandRegistry.h"
#include "cli/InstallFormat.h"
#include "cli/LoadRuntime.h"
#include "core/Json.h"
#include "core/StoreError.h"
#include "core/Text.h"
#include "store/OpenStore.h"
#include "transport/NotificationDelivery.h"
#include "transport/Runtime.h"

namespace si::cli {
namespace {

const char* const kHelp = R"(Usage: stripe-install notify COMMAND [options]

  notify list [--status pending|delivered|failed] [--account ACCOUNT_ID]
              [--limit N] [--format table|json]
      the outbox, newest first (default: every status, 100 entries)
  notify flush
      delivers every notification due now (pending, not waiting for a retry,
      not being delivered by another process), in order per account, and
      prints each result; exit 1 if any attempt failed. Failed attempts are
      retried later with backoff; after 8 attempts the notification is
      "failed" and no longer retried.

Notifications are on when [notify] url or command is set (see the example
configuration). The web program delivers a few after each response; this
command is for a cron job or after an outage of the receiver.

The JSON of `notify list` is an array of objects with id, type, account_id,
livemode, user_id, ref, status, attempts, created_at, next_attempt_at,
delivered_at, last_error (times as RFC 3339 UTC strings or null) and body
(the JSON sent, as a string). Keys are only ever added.

Common options:
  --config FILE   the configuration (default: STRIPE_INSTALL_CONFIG, or
                  stripe-install.ini beside the program)
  --help          this text
)";

enum class Format { Table, Json };

struct Options {
    std::optional<std::string> configPath;
    Format format = Format::Table;
    OutboxFilter filter;
    std::vector<std::string> positional;
    bool help = false;
};

Options parse(const std::vector<std::string>& words)
{
    Options options;
    Arguments args(words);
    while (!args.done()) {
        if (args.flag("--help") || args.flag("-h"))
            options.help = true;
        else if (auto value = args.option("--config"))
            options.configPath = *value;
        else if (auto value = args.option("--format")) {
            if (*value != "table" && *value != "json")
                throw UsageError("--format must be table or json");
            options.format = *value == "json" ? Format::Json : Format::Table;
        } else if (auto value = args.option("--status")) {
            options.filter.status = parseOutboxStatus(*value);
            if (!options.filter.status)
                throw UsageError("--status must be pending, delivered or failed");
        } else if (auto value = args.option("--account"))
            options.filter.accountId = *value;
        else if (auto value = args.option("--limit")) {
            const long long limit = parseInteger(*value, "--limit");
            if (limit < 1 || limit > 100000)
                throw UsageError("--limit must be between 1 and 100000");
            options.filter.limit = static_cast<std::size_t>(limit);
        } else if (args.peek().rfind("--", 0) == 0)
            throw UsageError("unknown option " + args.peek());
        else
            options.positional.push_back(args.take());
    }
    return options;
}

std::string timeOrNull(const std::optional<std::int64_t>& t) { return t ? jsonQuote(rfc3339(*t)) : "null"; }

void printJson(std::ostream& out, const std::vector<OutboxEntry>& entries)
{
    out << "[";
    bool first = true;
    for (const OutboxEntry& e : entries) {
        const Notification& n = e.notification;
        out << (first ? "\n" : ",\n") << "  {\"id\":" << jsonQuote(n.id) << ",\"type\":" << jsonQuote(toString(n.type))
            << ",\"account_id\":" << jsonQuote(n.accountId) << ",\"livemode\":" << (n.livemode ? "true" : "false")
            << ",\"user_id\":" << jsonQuote(n.userId) << ",\"ref\":" << jsonQuote(n.ref)
            << ",\"status\":" << jsonQuote(toString(e.status)) << ",\"attempts\":" << e.attempts
            << ",\"created_at\":" << jsonQuote(rfc3339(e.createdAt))
            << ",\"next_attempt_at\":" << (e.status == OutboxStatus::Pending ? jsonQuote(rfc3339(e.nextAttemptAt)) : "null")
            << ",\"delivered_at\":" << timeOrNull(e.deliveredAt) << ",\"last_error\":" << jsonQuote(e.lastError)
            << ",\"body\":" << jsonQuote(e.body) << "}";
        first = false;
    }
    out << (first ? "]\n" : "\n]\n");
}

void printTable(std::ostream& out, const std::vector<OutboxEntry>& entries)
{
    if (entries.empty()) {
        out << "no notifications\n";
        return;
    }
    out << "ID                                    TYPE             ACCOUNT                MODE  STATUS     "
           "ATTEMPTS  CREATED               NEXT ATTEMPT          LAST ERROR\n";
    for (const OutboxEntry& e : entries) {
        const Notification& n = e.notification;
        const auto pad = [](std::string text, std::size_t width) {
            if (text.size() < width)
                text.resize(width, ' ');
            return text + " ";
        };
        out << pad(n.id, 37) << pad(toString(n.type), 16) << pad(logSafe(n.accountId, 22), 22)
            << pad(n.livemode ? "live" : "test", 5) << pad(toString(e.status), 10) << pad(std::to_string(e.attempts), 9)
            << pad(rfc3339(e.createdAt), 21)
            << pad(e.status == OutboxStatus::Pending ? rfc3339(e.nextAttemptAt) : "-", 21)
            << logSafe(e.lastError, 80) << "\n";
    }
}

/// Passes each attempt on, and prints its result.
class PrintingSender : public NotificationSender {
public:
    PrintingSender(NotificationSender& inner, std::ostream& out) : _inner(inner), _out(out) {}
    std::size_t failures = 0;

    DeliveryAttempt deliver(const OutboxEntry& entry) override
    {
        DeliveryAttempt attempt;
        try {
            attempt = _inner.deliver(entry);
        } catch (const std::exception& e) {
            attempt = {false, logSafe(e.what(), 200)};
        }
        const Notification& n = entry.notification;
        _out << (attempt.delivered ? "delivered " : "failed    ") << n.id << " " << toString(n.type) << " "
             << logSafe(n.accountId, 40) << " (attempt " << entry.attempts + 1 << ")";
        if (!attempt.delivered) {
            ++failures;
            _out << ": " << (attempt.error.empty() ? "not accepted" : attempt.error);
        }
        _out << "\n" << std::flush;
        return attempt;
    }

private:
    NotificationSender& _inner;
    std::ostream& _out;
};

int flush(const AppConfig& config, SqlStore& store)
{
    if (!config.notifyEnabled()) {
        std::cerr << "notify: notifications are off: set [notify] url (and secret) or [notify] command\n";
        return 1;
    }
    Logger log(std::cerr);
    const Clock clock = systemClock(log);
    std::unique_ptr<NotificationSender> sender;
    try {
        sender = makeNotificationSender(config, clock);
    } catch (const std::exception& e) {
        std::cerr << "notify: cannot set up delivery: " << e.what() << "\n";
        return 1;
    }
    PrintingSender printing(*sender, std::cout);
    DeliverySummary total;
    // Each pass delivers the head of every account's queue; the next one
    // becomes due when its predecessor is through.
    for (;;) {
        const DeliverySummary pass = deliverDue(store, printing, clock, notificationDeliveryOptions(config, 100));
        total.delivered += pass.delivered;
        total.retrying += pass.retrying;
        total.failed += pass.failed;
        total.skipped += pass.skipped;
        if (pass.delivered == 0)
            break; // nothing new became due
    }
    std::cout << total.delivered << " delivered, " << total.retrying << " to retry later, " << total.failed
              << " given up";
    if (total.skipped > 0)
        std::cout << ", " << total.skipped << " being delivered by another process";
    std::cout << "\n";
    return printing.failures > 0 ? 1 : 0;
}

int notifyCommand(const std::vector<std::string>& words)
{
    Options options;
    try {
        options = parse(words);
        if (options.help) {
            std::cout << kHelp;
            return 0;
        }
        if (options.positional.size() != 1 ||
            (options.positional.front() != "list" && options.positional.front() != "flush"))
            throw UsageError(options.positional.empty() ? "say what to do: list or flush"
                                                        : "unknown action \"" + options.positional.front() + "\"");
        if (options.positional.front() == "flush" &&
            (options.filter.status || !options.filter.accountId.empty() || options.format != Format::Table))
            throw UsageError("flush takes no --status, --account or --format");
    } catch (const UsageError& e) {
        std::cerr << "notify: " << e.what() << "\n(see stripe-install notify --help)\n";
        return 2;
    }
    auto config = loadConfigOrExplain(options.configPath, "notify");
    if (!config)
        return 1;
    try {
        auto store = openStore(*config);
        if (options.positional.front() == "flush")
            return flush(*config, *store);
        const auto entries = store->list(options.filter);
        if (options.format == Format::Json)
            printJson(std::cout, entries);
        else
            printTable(std::cout, entries);
        return 0;
    } catch (const StoreError& e) {
        std::cerr << "notify: database: " << e.what() << "\n";
        return 1;
    }
}

const CommandRegistration registration{"notify", "list the notification outbox, or deliver what is due (flush)",
                                       &notifyCommand};

} // namespace
} // namespace si::cli
