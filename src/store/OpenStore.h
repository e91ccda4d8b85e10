#pragma once
#include <memory>

#include "config/AppConfig.h"
#include "store/SqlStore.h"

namespace si {

/// Opens the store the configuration names ([database] connector and
/// connection), running migrations, with `options` as given and
/// notifications enabled when [notify] url or command is set. The store is
/// also the notification Outbox. Throws StoreError naming the cause.
std::unique_ptr<SqlStore> openStore(const AppConfig& config, StoreOptions options = {});

} // namespace si
