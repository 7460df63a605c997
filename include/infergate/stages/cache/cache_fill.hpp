// A cacheable miss on its way upstream: the key it will be stored under, and the answer as
// the client saw it (after any translation), fed by the proxy. The cache stage's on_finish
// stores it if the request ended with a complete 200.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "infergate/stages/cache/cache_key.hpp"
#include "infergate/stages/cache/stream_collector.hpp"

namespace infergate::cache {

class Fill {
public:
    Fill(const CacheKey& key, std::chrono::milliseconds ttl, std::size_t max_entry_bytes)
        : key_(key), ttl_(ttl), max_entry_bytes_(max_entry_bytes) {}

    // The non-streamed answer, once it has been written to the client.
    void on_body(std::string&& body) { body_ = std::move(body); }
    // A stream starts (again, for a retried attempt): what earlier attempts sent is dropped.
    void on_stream_start() { collector_.emplace(max_entry_bytes_); }
    // One SSE event the client is sent.
    void on_event(std::string_view event) {
        if (collector_) collector_->on_event(event);
    }

    const CacheKey& key() const noexcept { return key_; }
    std::chrono::milliseconds ttl() const noexcept { return ttl_; }
    // The entry to store; nullopt when the answer was not complete or not storable.
    std::optional<Entry> take_entry();

private:
    CacheKey key_;
    std::chrono::milliseconds ttl_;
    std::size_t max_entry_bytes_;
    std::optional<std::string> body_;
    std::optional<StreamCollector> collector_;
};

}  // namespace infergate::cache
