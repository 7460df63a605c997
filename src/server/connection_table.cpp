#include "infergate/server/connection_table.hpp"

namespace infergate::server {

ConnectionTable::Slot::Slot(ConnectionTable& table, Kind kind, std::function<void()> evict)
    : table_(table), kind_(kind), evict_(std::move(evict)) {}

ConnectionTable::Slot::~Slot() {
    if (counted_) --table_.open_;
    // The hook unlinks itself (auto_unlink).
}

void ConnectionTable::Slot::waiting() {
    if (!counted_) return;  // already closed to make room
    unlink();
    table_.waiting_.push_back(*this);
}

void ConnectionTable::Slot::busy() { unlink(); }

ConnectionTable::Admission ConnectionTable::admit(std::size_t limit, std::size_t reserve,
                                                  std::function<void()> evict) {
    Admission admission;
    if (open_ >= limit && !waiting_.empty()) {
        Slot& oldest = waiting_.front();
        oldest.unlink();
        oldest.counted_ = false;
        --open_;
        admission.evicted = true;
        const auto close = std::move(oldest.evict_);
        if (close) close();
    }
    const Kind kind = open_ < limit ? Kind::normal : Kind::reserve;
    if (kind == Kind::reserve && open_ >= limit + reserve) return admission;
    ++open_;
    admission.slot.reset(new Slot(*this, kind, std::move(evict)));
    waiting_.push_back(*admission.slot);
    return admission;
}

}  // namespace infergate::server
