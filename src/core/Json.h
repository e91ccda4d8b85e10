#pragma once
#include <string>
#include <string_view>

namespace si {

/// Appends `text` to `out` as a JSON string literal, exactly as JavaScript's
/// JSON.stringify and Ruby's JSON.dump write it: `"` and `\` escaped, control
/// characters as \b \t \n \f \r or \u00xx, and everything else (`/`,
/// non-ASCII UTF-8) left as it is. `text` must be valid UTF-8.
void appendJsonString(std::string& out, std::string_view text);

/// `text` as a JSON string literal (see appendJsonString).
std::string jsonQuote(std::string_view text);

} // namespace si
