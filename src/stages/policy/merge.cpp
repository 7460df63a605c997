#include "infergate/stages/policy/merge.hpp"

#include <algorithm>

namespace infergate::policy {
namespace {

std::int64_t tighter(std::int64_t a, std::int64_t b) {
    if (a == 0 || b == 0) return std::max(a, b);  // 0: no cap
    return std::min(a, b);
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& from) {
    to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

config::Policy merge(const config::Policy& model, const config::Policy& key) {
    config::Policy merged = model;
    merged.defaults.update(key.defaults);
    merged.overrides.update(key.overrides);
    merged.max_tokens_cap = tighter(model.max_tokens_cap, key.max_tokens_cap);
    merged.max_prompt_tokens = tighter(model.max_prompt_tokens, key.max_prompt_tokens);
    append(merged.system_prompts, key.system_prompts);
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    for (const auto& added : key.add_headers) {
        std::erase_if(merged.add_headers, [&](const auto& header) { return header.first == added.first; });
        merged.add_headers.push_back(added);
    }
    append(merged.remove_headers, key.remove_headers);
    append(merged.deny, key.deny);
    append(merged.redact, key.redact);
    return merged;
}

}  // namespace infergate::policy
