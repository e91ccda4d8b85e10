#pragma once
#include <memory>

#include "config/AppConfig.h"
#include "core/Stores.h"

namespace si {

/// Opens the store the configuration names ([database] connector and
/// connection), running migrations. Throws StoreError naming the cause.
std::unique_ptr<Store> openStore(const AppConfig& config);

} // namespace si
