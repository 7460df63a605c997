// weighted: nginx's smooth weighted round-robin. Each pick adds every eligible candidate's
// weight to its running score and takes the highest, which then gives back the total: exact
// shares over every run of total-weight picks, interleaved (5:1:1 goes a a b a c a a, not
// a a a a a b c).
#include <array>
#include <mutex>

#include "candidate_set.hpp"
#include "strategies.hpp"

namespace infergate::routing {
namespace {

class WeightedBalancer final : public Balancer {
public:
    WeightedBalancer() noexcept : Balancer(Strategy::weighted) {}

private:
    std::size_t choose(std::span<const Candidate> candidates, std::uint64_t eligible,
                       const PickInput&) override {
        // The scores change together on every pick, so they are one critical section: a few
        // additions over at most 64 cached integers, far below the cost of the request it
        // places; a lock-free version would need a CAS over all of them.
        std::lock_guard lock(mutex_);
        std::int64_t total = 0;
        std::size_t best = 0;
        bool first = true;
        for_each_index(eligible, [&](std::size_t i) {
            score_[i] += weight(candidates[i]);
            total += weight(candidates[i]);
            if (first || score_[i] > score_[best]) best = i;
            first = false;
        });
        score_[best] -= total;
        return best;
    }

    std::mutex mutex_;
    std::array<std::int64_t, kMaxCandidates> score_{};  // nginx's current_weight
};

}  // namespace

std::unique_ptr<Balancer> make_weighted_balancer() { return std::make_unique<WeightedBalancer>(); }

}  // namespace infergate::routing
