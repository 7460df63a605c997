// Request bodies held in memory by every worker together, against server.max_buffered_body_bytes.
// Each connection's body is capped by max_body_bytes, but ten thousand connections each
// sending 10 MiB would still be 100 GB: past this cap a request is answered 503 with
// Retry-After before its body is read (the overload answer), instead of growing towards OOM.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace prometheus {
class Gauge;
}

namespace infergate::server {

class BodyMemory {
public:
    explicit BodyMemory(prometheus::Gauge& held_gauge) : gauge_(held_gauge) {}

    // Bytes claimed for one request's body, given back when it is released or destroyed (the
    // request has been answered and its body freed). A value, not a heap object: one is taken
    // for every request with a body. Empty (false) when the claim was refused.
    class Claim {
    public:
        Claim() = default;
        Claim(Claim&& other) noexcept
            : memory_(std::exchange(other.memory_, nullptr)), bytes_(other.bytes_) {}
        Claim& operator=(Claim&& other) noexcept {
            if (this != &other) {
                release();
                memory_ = std::exchange(other.memory_, nullptr);
                bytes_ = other.bytes_;
            }
            return *this;
        }
        ~Claim() { release(); }
        explicit operator bool() const noexcept { return memory_ != nullptr; }
        void release() noexcept;

    private:
        friend class BodyMemory;
        Claim(BodyMemory& memory, std::size_t bytes) : memory_(&memory), bytes_(bytes) {}

        BodyMemory* memory_ = nullptr;
        std::size_t bytes_ = 0;
    };

    // Claims `bytes`; an empty claim when the total would pass `cap`. A body alone is always
    // admitted (a cap below max_body_bytes then means one such body at a time, not none).
    Claim claim(std::size_t bytes, std::size_t cap);
    std::size_t held() const noexcept { return held_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::size_t> held_{0};
    prometheus::Gauge& gauge_;
};

}  // namespace infergate::server
