#pragma once
#include <stdexcept>
#include <string>

namespace si {

/// An infrastructure fault in the store (locked past the busy timeout, not
/// writable, disk full, corrupt, gone). Not an expected outcome: it becomes a
/// 503 page and a log line naming the cause.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace si
