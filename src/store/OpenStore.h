#pragma once
#include <memory>

#include "config/AppConfig.h"
#include "store/SqlStore.h"

namespace si {

/// Opens the store the configuration names ([database] connector and
/// connection), running migrations; notifications are enabled when [notify]
/// url or command is set. The store is also the notification Outbox.
/// Throws StoreError naming the cause.
/// `oneRequestPerProcess`, `checkpointer` and `sharedByThreads`: StoreOptions.
std::unique_ptr<SqlStore> openStore(const AppConfig& config, bool oneRequestPerProcess = false,
                                    std::shared_ptr<WalCheckpointer> checkpointer = nullptr,
                                    bool sharedByThreads = false);

} // namespace si
