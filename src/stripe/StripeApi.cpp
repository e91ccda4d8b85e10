#include "stripe/StripeApi.h"

#include "modules/NetModule.h"

namespace si {

StripeApiSettings StripeApiSettings::from(const AppConfig& config)
{
    StripeApiSettings settings;
    settings.apiKey = config.apiKey;
    settings.apiBase = config.apiBase;
    settings.apiVersion = config.apiVersion;
    settings.timeoutMs = config.apiTimeoutMs;
    settings.caFile = config.apiCaFile;
    return settings;
}

std::unique_ptr<StripeApi> connectStripeApi(StripeApiSettings settings, StripeApiNotice notice)
{
    return net::module().stripeApi(std::move(settings), std::move(notice));
}

} // namespace si
