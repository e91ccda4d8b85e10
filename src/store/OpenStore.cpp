#include "store/OpenStore.h"

#include "store/SqlStore.h"

namespace si {

std::unique_ptr<Store> openStore(const AppConfig& config)
{
    return std::make_unique<SqlStore>(config.dbConnector, config.dbConnection, config.dbBusyTimeoutMs,
                                      config.dbPassword);
}

} // namespace si
