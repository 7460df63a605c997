// p2c_ewma: power of two choices. Two distinct candidates are drawn at random (in proportion
// to weight) and the cheaper one is taken, cost = latency EWMA x (in_flight + 1) / weight.
// Two random draws avoid the herd that "always the cheapest" causes when every worker acts on
// the same stale numbers, and still steer almost all traffic away from a slow or busy target.
#include <chrono>

#include "candidate_set.hpp"
#include "strategies.hpp"
#include "thread_random.hpp"

namespace infergate::routing {
namespace {

// Assumed of a target nothing is known about when no eligible one has been measured either:
// any positive value will do, as costs are only compared.
constexpr std::chrono::nanoseconds kUnknownLatency = std::chrono::milliseconds(1);

// A member of `set` drawn with probability weight / total_weight.
std::size_t draw(std::span<const Candidate> candidates, std::uint64_t set,
                 std::uint64_t total_weight) {
    std::uint64_t ticket = random_below(total_weight);
    std::size_t drawn = 0;
    bool done = false;
    for_each_index(set, [&](std::size_t i) {
        if (done) return;
        drawn = i;
        if (ticket < weight(candidates[i])) {
            done = true;
        } else {
            ticket -= weight(candidates[i]);
        }
    });
    return drawn;
}

class P2cEwmaBalancer final : public Balancer {
public:
    P2cEwmaBalancer() noexcept : Balancer(Strategy::p2c_ewma) {}

private:
    std::size_t choose(std::span<const Candidate> candidates, std::uint64_t eligible,
                       const PickInput&) override {
        return choose_by_p2c_ewma(candidates, eligible);
    }
};

}  // namespace

std::size_t choose_by_p2c_ewma(std::span<const Candidate> candidates, std::uint64_t eligible) {
    std::uint64_t total_weight = 0;
    double measured_sum_ns = 0;
    int measured = 0;
    for_each_index(eligible, [&](std::size_t i) {
        total_weight += weight(candidates[i]);
        const TargetLoad* load = candidates[i].load;
        if (load != nullptr && load->sampled()) {
            measured_sum_ns += static_cast<double>(load->ewma_latency().count());
            ++measured;
        }
    });
    // A target never measured (new, or idle long enough to have faded) is taken to be as fast
    // as the average of the measured ones: not flooded as if instant, not starved as if slow.
    const std::chrono::nanoseconds prior =
        measured == 0 ? kUnknownLatency
                      : std::chrono::nanoseconds(static_cast<std::int64_t>(measured_sum_ns /
                                                                           measured));
    const auto now = TargetLoad::Clock::now();
    const auto cost = [&](std::size_t i) {
        const TargetLoad* load = candidates[i].load;
        const auto latency = load == nullptr ? prior : load->ewma_latency(now, prior);
        return static_cast<double>(latency.count()) * (in_flight(candidates[i]) + 1.0) /
               weight(candidates[i]);
    };
    const std::size_t first = draw(candidates, eligible, total_weight);
    const std::size_t second = draw(candidates, eligible & ~(std::uint64_t{1} << first),
                                    total_weight - weight(candidates[first]));
    return cost(second) < cost(first) ? second : first;
}

std::unique_ptr<Balancer> make_p2c_ewma_balancer() { return std::make_unique<P2cEwmaBalancer>(); }

}  // namespace infergate::routing
