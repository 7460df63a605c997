// Strategy names, make_balancer(), and the rules Balancer::pick applies before any strategy.
#include "infergate/stages/routing/balancer.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>
#include <utility>

#include "candidate_set.hpp"
#include "strategies.hpp"

namespace infergate::routing {
namespace {

constexpr std::array<std::pair<Strategy, std::string_view>, 4> kNames = {{
    {Strategy::weighted, "weighted"},
    {Strategy::least_outstanding, "least_outstanding"},
    {Strategy::p2c_ewma, "p2c_ewma"},
    {Strategy::prefix_affinity, "prefix_affinity"},
}};

}  // namespace

std::optional<Strategy> parse_strategy(std::string_view name) noexcept {
    for (const auto& [strategy, known] : kNames) {
        if (known == name) return strategy;
    }
    return std::nullopt;
}

std::string_view label(Strategy strategy) noexcept {
    for (const auto& [known, name] : kNames) {
        if (known == strategy) return name;
    }
    return "unknown";
}

std::optional<Pick> Balancer::pick(std::span<const Candidate> candidates,
                                   const PickInput& input) {
    candidates = candidates.first(std::min(candidates.size(), kMaxCandidates));
    const Eligible best = eligible(candidates, input.tried_mask);
    if (best.set == 0) return std::nullopt;
    if (std::has_single_bit(best.set)) {
        return Pick{static_cast<std::size_t>(std::countr_zero(best.set)), best.saturated};
    }
    if (best.saturated) {
        return Pick{least_loaded(candidates, best.set, Capacity::max_concurrency), true};
    }
    return Pick{choose(candidates, best.set, input), false};
}

std::unique_ptr<Balancer> make_balancer(Strategy strategy, std::span<const std::uint32_t> weights,
                                        const BalancerOptions& options) {
    if (weights.empty() || weights.size() > kMaxCandidates) {
        throw std::invalid_argument("a balancer needs 1 to 64 targets");
    }
    switch (strategy) {
        case Strategy::weighted: return make_weighted_balancer();
        case Strategy::least_outstanding: return make_least_outstanding_balancer();
        case Strategy::p2c_ewma: return make_p2c_ewma_balancer();
        case Strategy::prefix_affinity:
            // Below 1 the bound could refuse every target; the negated test also catches NaN.
            if (!(options.affinity_load_bound >= 1.0)) {
                throw std::invalid_argument("affinity_load_bound must be at least 1");
            }
            return make_prefix_affinity_balancer(weights, options.affinity_load_bound);
    }
    throw std::invalid_argument("unknown balancing strategy");
}

}  // namespace infergate::routing
