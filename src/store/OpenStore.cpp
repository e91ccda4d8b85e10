#include "store/OpenStore.h"

#include <utility>

namespace si {

std::unique_ptr<SqlStore> openStore(const AppConfig& config, StoreOptions options)
{
    options.notifications = config.notifyEnabled();
    return std::make_unique<SqlStore>(config.dbConnector, config.dbConnection, config.dbBusyTimeoutMs,
                                      config.dbPassword, std::move(options));
}

} // namespace si
