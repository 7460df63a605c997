#include "infergate/stages/policy/request_fields.hpp"

namespace infergate::policy {

bool apply_defaults(Json& body, const Json& defaults) {
    bool changed = false;
    for (const auto& [key, value] : defaults.items()) {
        const auto found = body.find(key);
        if (found != body.end() && !found->is_null()) continue;
        body[key] = value;
        changed = true;
    }
    return changed;
}

bool apply_overrides(Json& body, const Json& overrides) {
    bool changed = false;
    for (const auto& [key, value] : overrides.items()) {
        const auto found = body.find(key);
        if (found != body.end() && *found == value) continue;
        body[key] = value;
        changed = true;
    }
    return changed;
}

bool apply_max_tokens_cap(Json& body, api::Endpoint endpoint, std::int64_t cap) {
    if (endpoint != api::Endpoint::chat_completions && endpoint != api::Endpoint::completions &&
        endpoint != api::Endpoint::messages) {
        return false;
    }
    bool changed = false;
    bool present = false;
    for (const char* key : {"max_tokens", "max_completion_tokens"}) {
        const auto found = body.find(key);
        if (found == body.end() || found->is_null()) continue;
        present = true;
        // The request parser accepted only integers of at least 1 here.
        if (found->is_number_integer() && found->get<std::int64_t>() <= cap) continue;
        *found = cap;
        changed = true;
    }
    if (!present) {
        body["max_tokens"] = cap;
        changed = true;
    }
    return changed;
}

}  // namespace infergate::policy
