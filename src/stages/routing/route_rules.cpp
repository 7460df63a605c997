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

// The request's values of the header names rules test, each found on first use by one walk
// over the request's fields (a handful; names compared by length first).
class HeaderValues {
public:
    HeaderValues(const http::request_header<>& headers, const std::vector<std::string_view>& names)
        : headers_(headers), names_(names) {
        if (names.size() > values_.size()) values_.resize(names.size());
    }

    std::optional<std::string_view> get(std::uint32_t slot) {
        Value& value = values_[slot];
        if (!value.known) {
            value.known = true;
            const std::string_view name = names_[slot];
            for (const auto& field : headers_) {
                const std::string_view field_name = field.name_string();
                if (field_name.size() == name.size() && beast::iequals(field_name, name)) {
                    value.value = field.value();
                    break;
                }
            }
        }
        return value.value;
    }

private:
    struct Value {
        bool known = false;
        std::optional<std::string_view> value;
    };
    const http::request_header<>& headers_;
    const std::vector<std::string_view>& names_;
    boost::container::small_vector<Value, 8> values_{8};
};

// Every condition but the model patterns, the cheapest first.
bool request_matches(const CompiledRule& compiled, const pipeline::RequestContext& ctx, HeaderValues& headers) {
    const config::RouteRule& rule = *compiled.rule;
    if (rule.stream && *rule.stream != ctx.request.stream) return false;
    if (rule.min_prompt_tokens > 0 &&
        static_cast<std::int64_t>(ctx.body.size()) / kBytesPerToken < rule.min_prompt_tokens) {
        return false;
    }
    for (const CompiledRule::HeaderCheck& check : compiled.headers) {
        const std::optional<std::string_view> value = headers.get(check.slot);
        if (!value || *value != check.value) return false;
    }
    if (!rule.keys.empty() && !contains(rule.keys, ctx.principal.key_id)) return false;
    if (!rule.tenants.empty() && !contains(rule.tenants, ctx.principal.tenant)) return false;
    return true;
}

}  // namespace

const CompiledRule* first_matching_rule(const RouteTable& table, const pipeline::RequestContext& ctx,
                                        const std::vector<std::uint32_t>* candidates) {
    const std::vector<CompiledRule>& rules = table.rules();
    if (rules.empty()) return nullptr;
    HeaderValues headers(ctx.headers, table.rule_header_names());
    // A declared name: its rules were picked by pattern (and stream) when the snapshot was built.
    if (candidates != nullptr) {
        for (const std::uint32_t index : *candidates) {
            if (request_matches(rules[index], ctx, headers)) return &rules[index];
        }
        return nullptr;
    }
    for (const CompiledRule& rule : rules) {
        const config::RouteRule& r = *rule.rule;
        if ((r.models.empty() || auth::matches_any(r.models, ctx.request.model)) &&
            request_matches(rule, ctx, headers)) {
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
