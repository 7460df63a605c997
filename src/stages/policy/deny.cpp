#include "infergate/stages/policy/deny.hpp"

namespace infergate::policy {

bool matches_deny(Json& body, api::Endpoint endpoint, const std::vector<config::PatternPtr>& patterns) {
    if (patterns.empty()) return false;
    bool denied = false;
    for_each_prompt_text(body, endpoint, [&](std::string& text) {
        for (const config::PatternPtr& pattern : patterns) {
            if (std::regex_search(text, *pattern)) {
                denied = true;
                break;
            }
        }
        return !denied;
    });
    return denied;
}

api::Error content_policy_error() {
    return api::invalid_request("This request was refused by the gateway's content policy.", {}, "content_policy");
}

}  // namespace infergate::policy
