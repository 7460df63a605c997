// Request ids: the client's own when it sent a sane one, else a fresh random one.
#pragma once

#include <string>
#include <string_view>

namespace infergate::observability {

// 1..128 characters of [A-Za-z0-9._:-]: safe to log and to forward.
bool is_valid_request_id(std::string_view id) noexcept;
// 32 hex characters from a per-thread generator (no lock, no syscall per id).
std::string make_request_id();

}  // namespace infergate::observability
