#include "infergate/stages/cache/cache_fill.hpp"

namespace infergate::cache {

std::optional<Entry> Fill::take_entry() {
    if (collector_) return collector_->entry();  // a stream (the collector checks [DONE])
    if (body_ && body_->size() <= max_entry_bytes_) return make_entry(std::move(*body_));
    return std::nullopt;
}

}  // namespace infergate::cache
