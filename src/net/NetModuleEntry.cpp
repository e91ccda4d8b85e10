// stripe-install-net.so: the entry point the program finds with dlsym
// (modules/NetModule.cpp). Everything else here is hidden.
#include "modules/NetModule.h"
#include "net/HttpNotificationSender.h"
#include "net/PocoHttpServer.h"
#include "net/StripeApiClient.h"

namespace si::net {
namespace {

std::unique_ptr<StripeApi> stripeApi(StripeApiSettings settings, StripeApiNotice notice)
{
    return std::make_unique<StripeApiClient>(std::move(settings), std::move(notice));
}

std::unique_ptr<NotificationSender> httpNotificationSender(std::string url, std::string secret, int timeoutMs,
                                                           std::function<std::int64_t()> clock, std::string caFile)
{
    return std::make_unique<HttpNotificationSender>(std::move(url), std::move(secret), timeoutMs, std::move(clock),
                                                    std::move(caFile));
}

const NetModule kModule{&stripeApi, &httpNotificationSender, &startPocoHttpServer};

} // namespace
} // namespace si::net

extern "C" {

/// The version of the NetModule interface; the program refuses another.
__attribute__((visibility("default"))) int si_net_abi_version(void)
{
    return si::net::kNetModuleAbiVersion;
}

/// What the module provides (a table that lives as long as the process).
__attribute__((visibility("default"))) const si::net::NetModule* si_net_module(void)
{
    return &si::net::kModule;
}

} // extern "C"
