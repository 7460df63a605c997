#include "infergate/stages/routing/route_table.hpp"

#include <algorithm>

#include "infergate/stages/auth/principal.hpp"

namespace infergate::routing {

const Route* RouteTable::find(std::string_view model) const noexcept {
    const auto found = by_name_.find(model);
    return found != by_name_.end() ? found->second.route : wildcard_;
}

RouteTable::Lookup RouteTable::lookup(std::string_view model, bool stream) const noexcept {
    const auto found = by_name_.find(model);
    if (found == by_name_.end()) return {wildcard_, nullptr};
    return {found->second.route, &found->second.rules[stream ? 1 : 0]};
}

namespace {

bool rule_names(const CompiledRule& rule, std::string_view model) {
    return rule.rule->models.empty() || auth::matches_any(rule.rule->models, model);
}

// Files rule `index` under each kind of request (streamed or not) its stream condition allows.
void list_rule(std::vector<std::uint32_t> (&rules)[2], const CompiledRule& rule, std::uint32_t index) {
    for (const bool stream : {false, true}) {
        if (!rule.rule->stream || *rule.rule->stream == stream) rules[stream ? 1 : 0].push_back(index);
    }
}

}  // namespace

void RouteTable::add_rule(CompiledRule rule) {
    const auto index = static_cast<std::uint32_t>(rules_.size());
    rule.headers.clear();
    for (const auto& [name, value] : rule.rule->headers) {
        const auto known = std::find(rule_header_names_.begin(), rule_header_names_.end(), name);
        const auto slot = static_cast<std::uint32_t>(known - rule_header_names_.begin());
        if (known == rule_header_names_.end()) rule_header_names_.push_back(name);
        rule.headers.push_back({slot, value});
    }
    rules_.push_back(std::move(rule));
    for (auto& [name, entry] : by_name_) {
        if (rule_names(rules_.back(), name)) list_rule(entry.rules, rules_.back(), index);
    }
}

void RouteTable::add_name(std::string_view name, const Route* route) {
    Name entry{route, {}};
    // Names come before rules when a snapshot is built; this keeps the index right otherwise.
    for (std::uint32_t index = 0; index < rules_.size(); ++index) {
        if (rule_names(rules_[index], name)) list_rule(entry.rules, rules_[index], index);
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
