// The in-memory quota store: one mutex per scope (a key or a tenant), held only for the
// arithmetic of a check or a settlement, never across I/O. Memory grows with the number of
// scopes in the config, not with traffic.
#pragma once

#include <functional>
#include <shared_mutex>
#include <unordered_map>

#include "infergate/stages/quota/calendar.hpp"
#include "infergate/stages/quota/quota_store.hpp"

namespace infergate::quota {

class LocalQuotaStore final : public QuotaStore {
public:
    using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;
    using SystemNow = std::function<std::chrono::system_clock::time_point()>;

    // The clocks are injectable so that window boundaries can be tested exactly.
    explicit LocalQuotaStore(std::string_view time_zone, SteadyNow steady_now = {},
                             SystemNow system_now = {});
    ~LocalQuotaStore() override;

    std::shared_ptr<void> resolve(std::string_view scope) override { return this->scope(scope); }
    net::awaitable<Admission> admit(std::span<const ScopeCheck> scopes, const Amount& reserve) override;
    bool try_admit_now(std::span<const ScopeCheck> scopes, const Amount& reserve, Admission& out) override {
        admit_into(scopes, reserve, out);
        return true;
    }
    void settle(const Admission& admission, const Amount& used) noexcept override;
    net::awaitable<std::vector<LimitUsage>> usage(std::string_view scope,
                                                  const config::ScopeLimits& limits) override;
    void retain(const std::vector<std::string>& live_scopes) override;

    // The synchronous core of admit(): into a default-constructed `out`, or returned (tests).
    void admit_into(std::span<const ScopeCheck> scopes, const Amount& reserve, Admission& out);
    Admission admit_now(std::span<const ScopeCheck> scopes, const Amount& reserve) {
        Admission admission;
        admit_into(scopes, reserve, admission);
        return admission;
    }
    std::vector<LimitUsage> usage_now(std::string_view scope, const config::ScopeLimits& limits);

    struct ScopeState;

private:
    std::shared_ptr<ScopeState> scope(std::string_view id);

    Calendar calendar_;
    SteadyNow steady_now_;
    SystemNow system_now_;
    // Transparent hashing: a lookup by string_view allocates nothing.
    struct IdHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
    };
    std::shared_mutex scopes_mutex_;
    std::unordered_map<std::string, std::shared_ptr<ScopeState>, IdHash, std::equal_to<>> scopes_;
};

}  // namespace infergate::quota
