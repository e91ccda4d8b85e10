#include "http/AdminFilter.h"

#include "core/Text.h"

namespace si {

const std::vector<int> kAdminPeriods = {7, 14, 30, 90};

namespace {
constexpr std::size_t kMaxSearchLength = 200;
} // namespace

AdminFilter readAdminFilter(const QueryString& query)
{
    AdminFilter filter;
    filter.q = std::string(trimWhitespace(query.get("q").value_or("")));
    filter.q.resize(utf8PrefixLength(filter.q, kMaxSearchLength)); // never split a UTF-8 character
    const std::string status = query.get("status").value_or("all");
    if (status == "active" || status == "revoked")
        filter.status = status;
    const std::string mode = query.get("mode").value_or("all");
    if (mode == "live" || mode == "test")
        filter.mode = mode;
    const std::string days = query.get("days").value_or("");
    for (int period : kAdminPeriods)
        if (days == std::to_string(period))
            filter.days = period;
    return filter;
}

std::string adminFilterQuery(const AdminFilter& filter)
{
    std::string out;
    const auto add = [&out](const std::string& key, const std::string& value) {
        out += (out.empty() ? "?" : "&") + key + "=" + percentEncode(value);
    };
    if (!filter.q.empty())
        add("q", filter.q);
    if (filter.status != "all")
        add("status", filter.status);
    if (filter.mode != "all")
        add("mode", filter.mode);
    return out;
}

std::vector<Install> filteredInstalls(Store& store, const AdminFilter& filter)
{
    InstallFilter byStore;
    if (filter.status != "all")
        byStore.active = filter.status == "active";
    if (filter.mode != "all")
        byStore.livemode = filter.mode == "live";
    std::vector<Install> installs = store.listInstalls(byStore);
    if (filter.q.empty())
        return installs;
    const std::string needle = asciiLower(filter.q);
    std::vector<Install> found;
    for (Install& install : installs)
        if (asciiLower(install.accountId).find(needle) != std::string::npos ||
            asciiLower(install.ref).find(needle) != std::string::npos)
            found.push_back(std::move(install));
    return found;
}

} // namespace si
