#include "infergate/server/body_memory.hpp"

#include <prometheus/gauge.h>

namespace infergate::server {

void BodyMemory::Claim::release() noexcept {
    if (memory_ == nullptr) return;
    memory_->held_.fetch_sub(bytes_, std::memory_order_relaxed);
    memory_->gauge_.Decrement(static_cast<double>(bytes_));
    memory_ = nullptr;
}

BodyMemory::Claim BodyMemory::claim(std::size_t bytes, std::size_t cap) {
    // Added first, checked after: two workers racing for the last bytes cannot both get them.
    const std::size_t before = held_.fetch_add(bytes, std::memory_order_relaxed);
    if (before != 0 && before + bytes > cap) {
        held_.fetch_sub(bytes, std::memory_order_relaxed);
        return {};
    }
    gauge_.Increment(static_cast<double>(bytes));
    return Claim(*this, bytes);
}

}  // namespace infergate::server
