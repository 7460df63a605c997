#include "infergate/stages/routing/route_table.hpp"

namespace infergate::routing {

const Route* RouteTable::find(std::string_view model) const noexcept {
    if (const auto found = routes_.find(model); found != routes_.end() && !found->second->passthrough) {
        return found->second.get();
    }
    if (const auto found = aliases_.find(model); found != aliases_.end()) return found->second;
    return wildcard_;
}

Route& RouteTable::add(std::string name, std::unique_ptr<Route> route) {
    Route& added = *routes_.emplace(std::move(name), std::move(route)).first->second;
    if (added.passthrough) wildcard_ = &added;
    return added;
}

Route* RouteTable::mutable_route(std::string_view name) {
    const auto found = routes_.find(name);
    return found == routes_.end() ? nullptr : found->second.get();
}

}  // namespace infergate::routing
