#pragma once
// The one CSV writer for installs: `stripe-install installs list --format
// csv` and the admin page's export both write through it.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/Stores.h"

namespace si {

/// The header row, without the line end.
extern const char* const kInstallCsvHeader;

/// Writes the header row and one row per install (RFC 4180, CRLF line
/// ends). Every free-text field is quoted, and one that starts with
/// = + - @ TAB or CR gets a leading ' so a spreadsheet never runs it as a
/// formula (OWASP "CSV injection").
void writeInstallsCsv(std::ostream& out, const std::vector<Install>& installs);

/// One quoted, formula-safe CSV field.
std::string csvField(const std::string& text);

/// Unix seconds as "2026-11-28T18:00:00Z".
std::string rfc3339(std::int64_t unixSeconds);

} // namespace si
