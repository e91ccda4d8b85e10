#pragma once
// The admin overview's filters (status, mode, search by account or ref, the
// funnel period), read from its query; the CSV export takes the same ones.
#include <string>
#include <vector>

#include "core/QueryString.h"
#include "core/Stores.h"

namespace si {

/// The funnel periods the overview offers, in days; the first is 14 by default.
extern const std::vector<int> kAdminPeriods;
inline constexpr int kDefaultAdminPeriod = 14;

struct AdminFilter {
    std::string q;              ///< trimmed, at most 200 bytes; "" = everything
    std::string status = "all"; ///< all | active | revoked
    std::string mode = "all";   ///< all | live | test
    int days = kDefaultAdminPeriod;
};

/// Reads q, status, mode and days. Unknown values fall back to the
/// defaults: a hand-edited address shows everything rather than an error.
AdminFilter readAdminFilter(const QueryString& query);

/// "?q=…&status=…&mode=…" for the filters that differ from the defaults
/// ("" when none does; days is left out), percent-encoded.
std::string adminFilterQuery(const AdminFilter& filter);

/// The installs that pass `filter`: status and mode through the store, the
/// search as a case-insensitive substring of the account id or the ref.
std::vector<Install> filteredInstalls(Store& store, const AdminFilter& filter);

} // namespace si
