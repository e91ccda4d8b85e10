#include "store/OpenStore.h"

#include <utility>

namespace si {

std::unique_ptr<SqlStore> openStore(const AppConfig& config, bool oneRequestPerProcess,
                                    std::shared_ptr<WalCheckpointer> checkpointer, bool sharedByThreads)
{
    StoreOptions options;
    options.oneRequestPerProcess = oneRequestPerProcess;
    options.checkpointer = std::move(checkpointer);
    options.sharedByThreads = sharedByThreads;
    options.notifications = config.notifyEnabled();
    return std::make_unique<SqlStore>(config.dbConnector, config.dbConnection, config.dbBusyTimeoutMs,
                                      config.dbPassword, options);
}

} // namespace si
