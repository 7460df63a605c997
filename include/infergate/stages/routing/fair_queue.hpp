// The waiting order of an admission queue: strict priority between bands, weighted fair queueing
// between tenants within a band, FIFO within a tenant. Not thread-safe: the owner locks.
//
// Within a band every item gets a virtual finish time when it is pushed:
// max(band's virtual now, tenant's last finish) + 1/weight, and the smallest is served first
// (self-clocked fair queueing: virtual now is the finish time of the item served last). A
// tenant's finish times only grow, so ordering all items of a band by (finish, arrival) is FIFO
// within each tenant. State exists only for tenants with items and bands with items: memory is
// bounded by the number of items, and a band's virtual time restarts at zero when it empties.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace infergate::routing {

template <typename Item>
class FairQueue {
    struct Key {
        std::uint64_t finish;
        std::uint64_t arrival;  // ties between tenants go to the earlier item
        auto operator<=>(const Key&) const = default;
    };
    struct Tenant {
        std::uint64_t last_finish = 0;
        std::size_t items = 0;
    };
    using Tenants = std::map<std::string, Tenant, std::less<>>;
    struct Entry {
        Item item;
        typename Tenants::iterator tenant;
    };
    using Order = std::map<Key, Entry>;
    struct Band {
        std::uint64_t virtual_now = 0;
        Tenants tenants;
        Order order;
    };
    using Bands = std::map<int, Band, std::greater<>>;  // highest priority first

public:
    // Where an item waits, for erase(). Valid until that item is popped or erased.
    class Ticket {
        friend class FairQueue;
        typename Bands::iterator band_;
        typename Order::iterator entry_;
    };

    // One unit of virtual time is what a weight-1 tenant's item costs. 720720 = lcm(1..16), so
    // small weights divide it exactly; at one pop per microsecond under constant backlog a band
    // would need 290 days to overflow 64 bits.
    static constexpr std::uint64_t kUnit = 720720;

    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    // How many tenants have state (those with items), in all bands together.
    std::size_t tenants() const noexcept {
        std::size_t count = 0;
        for (const auto& [priority, band] : bands_) count += band.tenants.size();
        return count;
    }

    // `weight` 0 counts as 1.
    Ticket push(Item item, int priority, std::string_view tenant, std::uint32_t weight) {
        const auto band = bands_.try_emplace(priority).first;
        auto found = band->second.tenants.find(tenant);
        if (found == band->second.tenants.end()) {
            found = band->second.tenants.emplace(std::string(tenant), Tenant{}).first;
        }
        const std::uint64_t step = std::max<std::uint64_t>(kUnit / std::max(weight, 1u), 1);
        const std::uint64_t finish =
            std::max(band->second.virtual_now, found->second.last_finish) + step;
        found->second.last_finish = finish;
        ++found->second.items;
        ++size_;
        Ticket ticket;
        ticket.band_ = band;
        ticket.entry_ =
            band->second.order.emplace(Key{finish, next_arrival_++}, Entry{std::move(item), found})
                .first;
        return ticket;
    }

    // The item served next. Precondition: !empty().
    const Item& front() const { return bands_.begin()->second.order.begin()->second.item; }

    // Removes and returns front(). Precondition: !empty().
    Item pop() {
        Ticket ticket;
        ticket.band_ = bands_.begin();
        ticket.entry_ = ticket.band_->second.order.begin();
        ticket.band_->second.virtual_now = ticket.entry_->first.finish;
        Item item = std::move(ticket.entry_->second.item);
        erase(ticket);
        return item;
    }

    // Removes a waiting item (it gave up) without advancing virtual time.
    void erase(const Ticket& ticket) {
        Band& band = ticket.band_->second;
        const auto tenant = ticket.entry_->second.tenant;
        band.order.erase(ticket.entry_);
        if (--tenant->second.items == 0) band.tenants.erase(tenant);
        if (band.order.empty()) bands_.erase(ticket.band_);
        --size_;
    }

private:
    Bands bands_;
    std::size_t size_ = 0;
    std::uint64_t next_arrival_ = 0;
};

}  // namespace infergate::routing
