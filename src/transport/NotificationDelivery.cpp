#include "transport/NotificationDelivery.h"

#include "modules/NetModule.h"
#include "stripe/CommandNotificationSender.h"

namespace si {

std::unique_ptr<NotificationSender> makeNotificationSender(const AppConfig& config,
                                                           std::function<std::int64_t()> clock)
{
    if (!config.notifyUrl.empty())
        return net::module().httpNotificationSender(config.notifyUrl, config.notifySecret, config.notifyTimeoutMs,
                                                    std::move(clock), config.notifyCaFile);
    if (!config.notifyCommand.empty())
        return std::make_unique<CommandNotificationSender>(config.notifyCommand, config.notifyTimeoutMs);
    return nullptr;
}

DeliveryOptions notificationDeliveryOptions(const AppConfig& config, std::size_t limit)
{
    DeliveryOptions options;
    options.limit = limit;
    // The timeout rounded up, plus a margin for connecting and recording.
    options.leaseSeconds = (config.notifyTimeoutMs + 999) / 1000 + 30;
    return options;
}

} // namespace si
