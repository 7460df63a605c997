#include "infergate/stages/routing/route_table.hpp"

namespace infergate::routing {

const Route* RouteTable::find(std::string_view model) const noexcept {
    const auto found = by_name_.find(model);
    return found != by_name_.end() ? found->second : wildcard_;
}

Route& RouteTable::add(std::string name, std::unique_ptr<Route> route) {
    const auto [entry, added] = routes_.emplace(std::move(name), std::move(route));
    Route& compiled = *entry->second;
    if (compiled.passthrough) {
        wildcard_ = &compiled;
    } else if (added) {
        by_name_.emplace(entry->first, &compiled);
    }
    return compiled;
}

void RouteTable::add_alias(std::string name, const Route* route) {
    const auto [entry, added] = aliases_.emplace(std::move(name), route);
    if (added) by_name_.emplace(entry->first, route);
}

Route* RouteTable::mutable_route(std::string_view name) {
    const auto found = routes_.find(name);
    return found == routes_.end() ? nullptr : found->second.get();
}

}  // namespace infergate::routing
