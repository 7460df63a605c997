// Request bodies held in memory by every worker together, against server.max_buffered_body_bytes.
// Each connection's body is capped by max_body_bytes, but ten thousand connections each
// sending 10 MiB would still be 100 GB: past this cap a request is answered 503 with
// Retry-After before its body is read (the overload answer), instead of growing towards OOM.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace prometheus {
class Gauge;
}

namespace infergate::server {

class BodyMemory {
public:
    explicit BodyMemory(prometheus::Gauge& held_gauge) : gauge_(held_gauge) {}

    // Bytes claimed for one request's body, given back when it is destroyed (the request
    // has been answered and its body freed).
    class Claim {
    public:
        Claim(BodyMemory& memory, std::size_t bytes) : memory_(memory), bytes_(bytes) {}
        ~Claim();
        Claim(const Claim&) = delete;
        Claim& operator=(const Claim&) = delete;

    private:
        BodyMemory& memory_;
        std::size_t bytes_;
    };

    // Claims `bytes`; null when the total would pass `cap`. A body alone is always admitted
    // (a cap below max_body_bytes then means one such body at a time, not none).
    std::unique_ptr<Claim> claim(std::size_t bytes, std::size_t cap);
    std::size_t held() const noexcept { return held_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::size_t> held_{0};
    prometheus::Gauge& gauge_;
};

}  // namespace infergate::server
