#include "infergate/stages/routing/route_rules.hpp"

#include <algorithm>
#include <optional>

#include <boost/container/small_vector.hpp>

#include "infergate/stages/auth/principal.hpp"

namespace infergate::routing {
namespace {

// Roughly four bytes of JSON per prompt token, as the quota stage estimates.
constexpr std::int64_t kBytesPerToken = 4;

bool contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// splitmix64's finaliser: spreads std::hash's output evenly over the buckets.
std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

namespace {

// The request's header values by name, each looked up once however many rules ask (rules
// tend to share a few names, and a lookup compares names case-insensitively).
class HeaderValues {
public:
    explicit HeaderValues(const http::request_header<>& headers) : headers_(headers) {}

    std::optional<std::string_view> get(std::string_view name) {
        for (const auto& [known, value] : seen_) {
            if (known == name) return value;
        }
        std::optional<std::string_view> value;
        if (const auto found = headers_.find(name); found != headers_.end()) value = found->value();
        seen_.emplace_back(name, value);
        return value;
    }

private:
    const http::request_header<>& headers_;
    boost::container::small_vector<std::pair<std::string_view, std::optional<std::string_view>>, 8> seen_;
};

// Every condition but the model patterns.
bool request_matches(const config::RouteRule& rule, const pipeline::RequestContext& ctx, HeaderValues& headers) {
    if (rule.stream && *rule.stream != ctx.request.stream) return false;
    if (!rule.keys.empty() && !contains(rule.keys, ctx.principal.key_id)) return false;
    if (!rule.tenants.empty() && !contains(rule.tenants, ctx.principal.tenant)) return false;
    if (rule.min_prompt_tokens > 0 &&
        static_cast<std::int64_t>(ctx.body.size()) / kBytesPerToken < rule.min_prompt_tokens) {
        return false;
    }
    for (const auto& [name, value] : rule.headers) {
        if (headers.get(name) != std::optional<std::string_view>(value)) return false;
    }
    return true;
}

}  // namespace

const CompiledRule* first_matching_rule(const RouteTable& table, const pipeline::RequestContext& ctx) {
    const std::vector<CompiledRule>& rules = table.rules();
    if (rules.empty()) return nullptr;
    HeaderValues headers(ctx.headers);
    // A declared name: its rules were picked by pattern when the snapshot was built.
    if (const std::vector<std::uint32_t>* candidates = table.rules_for(ctx.request.model)) {
        for (const std::uint32_t index : *candidates) {
            if (request_matches(*rules[index].rule, ctx, headers)) return &rules[index];
        }
        return nullptr;
    }
    for (const CompiledRule& rule : rules) {
        const config::RouteRule& r = *rule.rule;
        if ((r.models.empty() || auth::matches_any(r.models, ctx.request.model)) &&
            request_matches(r, ctx, headers)) {
            return &rule;
        }
    }
    return nullptr;
}

std::uint32_t canary_bucket(const pipeline::RequestContext& ctx, std::string_view sticky_header) {
    std::string_view identity = ctx.request_id;
    if (const auto found = ctx.headers.find(sticky_header); found != ctx.headers.end() && !found->value().empty()) {
        identity = found->value();
    } else if (!ctx.principal.key_id.empty()) {
        identity = ctx.principal.key_id;
    }
    return static_cast<std::uint32_t>(mix(std::hash<std::string_view>{}(identity)) % 10000);
}

const Route* apply_canary(const Route& route, const pipeline::RequestContext& ctx) {
    if (route.canary == nullptr) return &route;
    const config::Canary& canary = *route.settings->canary;
    const auto share = static_cast<std::uint32_t>(canary.percent * 100.0 + 0.5);
    return canary_bucket(ctx, canary.sticky_header) < share ? route.canary : &route;
}

}  // namespace infergate::routing
