#include "core/InstallSync.h"

#include <algorithm>
#include <map>
#include <set>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "core/Text.h"

namespace si {
namespace {

using Poco::JSON::Object;

std::string stringOf(const Object::Ptr& object, const std::string& key)
{
    if (!object || !object->has(key))
        return {};
    const Poco::Dynamic::Var value = object->get(key);
    return value.isString() ? value.extract<std::string>() : std::string();
}

std::optional<bool> boolOf(const Object::Ptr& object, const std::string& key)
{
    if (!object->has(key) || !object->get(key).isBoolean())
        return std::nullopt;
    return object->get(key).extract<bool>();
}

Object::Ptr parseObject(const std::string& json)
{
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Object::Ptr>();
}

RemoteInstall readItem(const Object::Ptr& item, bool keyLivemode, std::size_t index)
{
    RemoteInstall install;
    install.id = stringOf(item, "id");
    if (item->isObject("account"))
        install.accountId = stringOf(item->getObject("account"), "id");
    else
        install.accountId = stringOf(item, "account");
    if (install.accountId.empty())
        install.accountId = stringOf(item, "account_id");
    if (install.accountId.empty())
        throw UnexpectedAnswer("item " + std::to_string(index) + " of the installs list (id \"" +
                               logSafe(install.id) + "\") names no account");
    install.livemode = boolOf(item, "livemode").value_or(keyLivemode);
    if (item->has("created") && item->get("created").isInteger())
        install.created = item->get("created").convert<std::int64_t>();
    const std::string status = asciiLower(stringOf(item, "status"));
    install.installed = !boolOf(item, "deleted").value_or(false) && status != "uninstalled" &&
                        status != "deleted" && status != "revoked";
    return install;
}

} // namespace

RemoteInstallsPage parseRemoteInstallsPage(const std::string& json, bool keyLivemode)
{
    Object::Ptr root;
    try {
        root = parseObject(json);
    } catch (const Poco::Exception& e) {
        throw UnexpectedAnswer("the installs list is not JSON: " + logSafe(e.displayText()));
    }
    if (!root || stringOf(root, "object") != "list" || !root->isArray("data"))
        throw UnexpectedAnswer("the installs answer is not a list object (expected \"object\": \"list\" and a "
                               "\"data\" array)");
    RemoteInstallsPage page;
    const auto data = root->getArray("data");
    for (std::size_t i = 0; i < data->size(); ++i) {
        const auto item = data->getObject(static_cast<unsigned>(i));
        if (!item)
            throw UnexpectedAnswer("item " + std::to_string(i) + " of the installs list is not an object");
        page.installs.push_back(readItem(item, keyLivemode, i));
    }
    page.hasMore = boolOf(root, "has_more").value_or(false);
    if (!page.installs.empty())
        page.lastId = page.installs.back().id;
    if (page.hasMore && page.lastId.empty())
        throw UnexpectedAnswer("the installs list says has_more but its last item has no id to continue after");
    return page;
}

std::string toCode(SyncAction action)
{
    switch (action) {
    case SyncAction::Add: return "add";
    case SyncAction::Reactivate: return "reactivate";
    case SyncAction::Revoke: return "revoke";
    }
    return "unknown";
}

std::vector<SyncChange> planInstallSync(const std::vector<RemoteInstall>& remote, const std::vector<Install>& local,
                                        bool livemode)
{
    std::map<std::string, const RemoteInstall*> installed; // account → its install on Stripe
    for (const RemoteInstall& item : remote)
        if (item.installed && item.livemode == livemode)
            installed.emplace(item.accountId, &item);
    std::map<std::string, const Install*> here;
    for (const Install& install : local)
        if (install.livemode == livemode)
            here.emplace(install.accountId, &install);

    std::vector<SyncChange> changes;
    for (const auto& [account, item] : installed) {
        const auto found = here.find(account);
        if (found == here.end())
            changes.push_back({SyncAction::Add, account, livemode, item->id});
        else if (!found->second->active())
            changes.push_back({SyncAction::Reactivate, account, livemode, item->id});
    }
    for (const auto& [account, install] : here)
        if (install->active() && installed.count(account) == 0)
            changes.push_back({SyncAction::Revoke, account, livemode, {}});
    std::stable_sort(changes.begin(), changes.end(),
                     [](const SyncChange& a, const SyncChange& b) { return a.accountId < b.accountId; });
    return changes;
}

WebhookEvent syncEvent(const SyncChange& change, std::int64_t now)
{
    WebhookEvent event;
    const bool revoke = change.action == SyncAction::Revoke;
    event.type = revoke ? "apps.install.deleted" : "apps.install.created";
    event.accountId = change.accountId;
    event.livemode = change.livemode;
    event.created = now;
    const std::string subject = !change.remoteId.empty()
                                    ? change.remoteId
                                    : change.accountId + ":" + (change.livemode ? "live" : "test");
    event.id = "sync:" + subject + ":" + toCode(change.action) + ":" + std::to_string(now);
    return event;
}

std::vector<AppliedChange> applyInstallSync(Store& store, const std::vector<SyncChange>& changes, std::int64_t now)
{
    std::vector<AppliedChange> applied;
    for (const SyncChange& change : changes)
        applied.push_back({change, store.applyWebhookEvent(syncEvent(change, now), now)});
    return applied;
}

std::optional<std::string> accountDisplayName(const std::string& accountJson)
{
    try {
        const Object::Ptr root = parseObject(accountJson);
        if (!root)
            return std::nullopt;
        if (root->isObject("settings")) {
            const auto settings = root->getObject("settings");
            if (settings->isObject("dashboard")) {
                const std::string name = stringOf(settings->getObject("dashboard"), "display_name");
                if (!trimWhitespace(name).empty())
                    return name;
            }
        }
        if (root->isObject("business_profile")) {
            const std::string name = stringOf(root->getObject("business_profile"), "name");
            if (!trimWhitespace(name).empty())
                return name;
        }
    } catch (const Poco::Exception&) {
    }
    return std::nullopt;
}

} // namespace si
