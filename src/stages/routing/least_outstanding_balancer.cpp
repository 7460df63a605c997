// least_outstanding: the target with the fewest requests in flight per unit of weight, ties
// shared at random. Needs no latency history: right for targets alike in speed.
#include "candidate_set.hpp"
#include "strategies.hpp"

namespace infergate::routing {
namespace {

class LeastOutstandingBalancer final : public Balancer {
public:
    LeastOutstandingBalancer() noexcept : Balancer(Strategy::least_outstanding) {}

private:
    std::size_t choose(std::span<const Candidate> candidates, std::uint64_t eligible,
                       const PickInput&) override {
        return least_loaded(candidates, eligible, Capacity::weight);
    }
};

}  // namespace

std::unique_ptr<Balancer> make_least_outstanding_balancer() {
    return std::make_unique<LeastOutstandingBalancer>();
}

}  // namespace infergate::routing
