// Usage reports: what a caller has used of its limits (GET /v1/usage) and, for operators, every
// key and tenant at once (GET /admin/usage). Read from the quota store without reserving
// anything, so reading a report never changes what it reports.
#pragma once

#include <string>

#include "infergate/net.hpp"
#include "infergate/stages/auth/principal.hpp"

namespace infergate {
struct Snapshot;
}

namespace infergate::quota {

// {"object":"usage","key_id","tenant","limits":[...]}: the caller's key and tenant limits.
net::awaitable<std::string> render_caller_usage(const Snapshot& snapshot, const auth::Principal& caller);
// {"object":"usage_report","keys":[...],"tenants":[...]}: every configured key (with its
// totals since start) and tenant.
net::awaitable<std::string> render_usage_report(const Snapshot& snapshot);

}  // namespace infergate::quota
