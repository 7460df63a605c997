// prefix_affinity: requests with the same prompt prefix go to the same target, whose KV cache
// already holds it, unless that target carries more than its bounded share of the load.
//
// The preference order is weighted rendezvous hashing: each target scores
// weight / -ln(hash(key, target)), the best score wins and the next best is the fallback. Like a
// ring with virtual nodes it moves few keys when a target comes or goes, but it needs no ring,
// spreads keys in exact proportion to weight, and gives each key its own fallback order, so
// the load spilled by a busy target is spread over the others. O(n) per pick for n <= 64.
//
// Bounded load ("consistent hashing with bounded loads", Mirrokni et al.): a target is passed
// over while its in_flight exceeds ceil(c x (total in flight + 1) x weight / total weight).
#include <array>
#include <cmath>

#include "candidate_set.hpp"
#include "strategies.hpp"
#include "thread_random.hpp"

namespace infergate::routing {
namespace {

class PrefixAffinityBalancer final : public Balancer {
public:
    PrefixAffinityBalancer(std::span<const std::uint32_t> weights, double load_bound)
        : Balancer(Strategy::prefix_affinity), load_bound_(load_bound) {
        score_weight_.fill(1.0);
        for (std::size_t i = 0; i < weights.size() && i < kMaxCandidates; ++i) {
            score_weight_[i] = weights[i] == 0 ? 1.0 : weights[i];
        }
    }

private:
    std::size_t choose(std::span<const Candidate> candidates, std::uint64_t eligible,
                       const PickInput& input) override {
        if (input.affinity_hash == 0) return choose_by_p2c_ewma(candidates, eligible);
        std::array<double, kMaxCandidates> score;
        std::uint64_t total_in_flight = 0;
        std::uint64_t total_weight = 0;
        for_each_index(eligible, [&](std::size_t i) {
            total_in_flight += in_flight(candidates[i]);
            total_weight += weight(candidates[i]);
            score[i] = score_weight_[i] / -std::log(unit_interval(input.affinity_hash, i));
        });
        const double share_unit = load_bound_ * static_cast<double>(total_in_flight + 1) /
                                  static_cast<double>(total_weight);
        // Best score first; a target over its bound leaves the set. With c >= 1 some target is
        // at or below its share, so the loop ends with a pick; the fallback is for safety.
        for (std::uint64_t left = eligible; left != 0;) {
            std::size_t best = 0;
            bool first = true;
            for_each_index(left, [&](std::size_t i) {
                if (first || score[i] > score[best]) best = i;
                first = false;
            });
            const double bound = std::ceil(share_unit * weight(candidates[best]));
            if (static_cast<double>(in_flight(candidates[best])) <= bound) return best;
            left &= ~(std::uint64_t{1} << best);
        }
        return least_loaded(candidates, eligible, Capacity::weight);
    }

    // The (key, target) hash as a number in (0, 1): 53 random bits, never 0 or 1.
    static double unit_interval(std::uint64_t key, std::size_t target) {
        const std::uint64_t bits = mix64(key ^ mix64(target + 1)) >> 11;
        return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
    }

    double load_bound_;
    // The configured weights: scores do not follow a Candidate's live weight, so a ramp-up
    // does not move keys around.
    std::array<double, kMaxCandidates> score_weight_;
};

}  // namespace

std::unique_ptr<Balancer> make_prefix_affinity_balancer(std::span<const std::uint32_t> weights,
                                                        double load_bound) {
    return std::make_unique<PrefixAffinityBalancer>(weights, load_bound);
}

}  // namespace infergate::routing
