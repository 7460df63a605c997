#include "infergate/stages/routing/route_table.hpp"

#include "infergate/stages/auth/principal.hpp"

namespace infergate::routing {

const Route* RouteTable::find(std::string_view model) const noexcept {
    const auto found = by_name_.find(model);
    return found != by_name_.end() ? found->second.route : wildcard_;
}

const std::vector<std::uint32_t>* RouteTable::rules_for(std::string_view model) const noexcept {
    const auto found = by_name_.find(model);
    return found != by_name_.end() ? &found->second.rules : nullptr;
}

namespace {

bool rule_names(const CompiledRule& rule, std::string_view model) {
    return rule.rule->models.empty() || auth::matches_any(rule.rule->models, model);
}

}  // namespace

void RouteTable::add_rule(CompiledRule rule) {
    const auto index = static_cast<std::uint32_t>(rules_.size());
    rules_.push_back(rule);
    for (auto& [name, entry] : by_name_) {
        if (rule_names(rule, name)) entry.rules.push_back(index);
    }
}

void RouteTable::add_name(std::string_view name, const Route* route) {
    Name entry{route, {}};
    // Names come before rules when a snapshot is built; this keeps the index right otherwise.
    for (std::uint32_t index = 0; index < rules_.size(); ++index) {
        if (rule_names(rules_[index], name)) entry.rules.push_back(index);
    }
    by_name_.emplace(name, std::move(entry));
}

Route& RouteTable::add(std::string name, std::unique_ptr<Route> route) {
    const auto [entry, added] = routes_.emplace(std::move(name), std::move(route));
    Route& compiled = *entry->second;
    if (compiled.passthrough) {
        wildcard_ = &compiled;
    } else if (added) {
        add_name(entry->first, &compiled);
    }
    return compiled;
}

void RouteTable::add_alias(std::string name, const Route* route) {
    const auto [entry, added] = aliases_.emplace(std::move(name), route);
    if (added) add_name(entry->first, route);
}

Route* RouteTable::mutable_route(std::string_view name) {
    const auto found = routes_.find(name);
    return found == routes_.end() ? nullptr : found->second.get();
}

}  // namespace infergate::routing
