#include "store/OpenStore.h"

namespace si {

std::unique_ptr<SqlStore> openStore(const AppConfig& config, bool oneRequestPerProcess)
{
    StoreOptions options;
    options.oneRequestPerProcess = oneRequestPerProcess;
    options.notifications = config.notifyEnabled();
    return std::make_unique<SqlStore>(config.dbConnector, config.dbConnection, config.dbBusyTimeoutMs,
                                      config.dbPassword, options);
}

} // namespace si
