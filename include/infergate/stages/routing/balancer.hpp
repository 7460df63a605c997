// Balancers: which of a route's targets serves a request, chosen from the targets' live load.
// One balancer per route, shared by every worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace infergate::routing {

class TargetLoad;

enum class Strategy : std::uint8_t {
    weighted,           // smooth weighted round-robin (nginx's)
    least_outstanding,  // fewest requests in flight per unit of weight
    p2c_ewma,           // power of two choices on latency EWMA x load
    prefix_affinity,    // one prompt prefix to one target (its KV cache), load permitting
};
inline constexpr Strategy kDefaultStrategy = Strategy::p2c_ewma;

// "weighted", "least_outstanding", "p2c_ewma", "prefix_affinity"; the config and metric name.
std::optional<Strategy> parse_strategy(std::string_view name) noexcept;
std::string_view label(Strategy strategy) noexcept;

// A route has at most this many targets: PickInput::tried_mask has one bit for each.
inline constexpr std::size_t kMaxCandidates = 64;

// A target as a balancer sees it for one pick, built by the caller from the route.
struct Candidate {
    std::uint32_t weight = 1;           // relative share; 0 counts as 1 (the config validates)
    const TargetLoad* load = nullptr;   // null reads as idle, no latency known
    bool usable = true;                 // false (down, circuit open): never picked
    std::uint32_t max_concurrency = 0;  // 0 = unlimited; at or above it: saturated
};

struct PickInput {
    std::uint64_t affinity_hash = 0;  // prompt_prefix_hash(); 0: none
    std::uint64_t tried_mask = 0;     // bit i: candidate i already failed this request
};

struct Pick {
    std::size_t index = 0;
    // The target is at its max_concurrency: no usable target this request has not tried had
    // room, so the caller queues on this one (the least loaded relative to its limit) or
    // refuses the request.
    bool saturated = false;
};

struct BalancerOptions {
    // prefix_affinity: the preferred target is passed over while its in_flight exceeds
    // ceil(c x (total in flight + 1) x its share of the weight); c >= 1.
    double affinity_load_bound = 1.25;
};

class Balancer {
public:
    virtual ~Balancer() = default;
    Balancer(const Balancer&) = delete;
    Balancer& operator=(const Balancer&) = delete;

    Strategy strategy() const noexcept { return strategy_; }

    // Thread-safe; no allocation. The rules every strategy shares are applied here, so a
    // strategy only chooses among the candidates they leave: an unusable candidate is never
    // picked; untried ones come before tried ones, then unsaturated before saturated. When
    // only saturated candidates are left, the one least loaded relative to its
    // max_concurrency is picked and flagged. Candidates past kMaxCandidates are not seen.
    // nullopt only when no candidate is usable.
    std::optional<Pick> pick(std::span<const Candidate> candidates, const PickInput& input = {});

protected:
    explicit Balancer(Strategy strategy) noexcept : strategy_(strategy) {}

private:
    // One of the candidates in `eligible` (a bit set with at least two members, all usable,
    // all in the same preference tier and none saturated).
    virtual std::size_t choose(std::span<const Candidate> candidates, std::uint64_t eligible,
                               const PickInput& input) = 0;

    Strategy strategy_;
};

// `weights`: the route's configured weights, one per target (1 to kMaxCandidates of them).
// Picks read each Candidate's own weight, which may differ (a ramp-up, say); prefix_affinity
// hashes with these, so that its mapping changes only with the configuration.
// Throws std::invalid_argument for a count out of range or an affinity_load_bound below 1.
std::unique_ptr<Balancer> make_balancer(Strategy strategy, std::span<const std::uint32_t> weights,
                                        const BalancerOptions& options = {});

}  // namespace infergate::routing
