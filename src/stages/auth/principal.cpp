#include "infergate/stages/auth/principal.hpp"

#include "infergate/common/glob.hpp"

namespace infergate::auth {

bool matches_any(const std::vector<std::string>& patterns, std::string_view model) {
    for (const std::string& pattern : patterns) {
        if (pattern == model || glob_match(pattern, model)) return true;
    }
    return false;
}

bool Principal::may_use(std::string_view model) const {
    if (key != nullptr && !key->models.empty()) return matches_any(key->models, model);
    if (has_jwt_models && !matches_any(jwt_models, model)) return false;
    if (tenant_config != nullptr && !tenant_config->models.empty()) {
        return matches_any(tenant_config->models, model);
    }
    return true;
}

}  // namespace infergate::auth
