#include "env_expand.hpp"

namespace infergate::config {

namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool is_valid_name(std::string_view name) {
    if (name.empty() || !is_name_start(name.front())) return false;
    for (const char c : name) {
        if (!is_name_char(c)) return false;
    }
    return true;
}

}  // namespace

Expansion expand_env(std::string_view text, const EnvLookup& env) {
    Expansion out;
    out.value.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t dollar = text.find('$', pos);
        if (dollar == std::string_view::npos) {
            out.value.append(text.substr(pos));
            break;
        }
        out.value.append(text.substr(pos, dollar - pos));
        const std::string_view rest = text.substr(dollar);
        if (rest.starts_with("$${")) {  // escape: the operator wants a literal "${"
            out.value += "${";
            pos = dollar + 3;
            continue;
        }
        if (!rest.starts_with("${")) {
            out.value += '$';
            pos = dollar + 1;
            continue;
        }
        const std::size_t close = text.find('}', dollar + 2);
        if (close == std::string_view::npos) {
            // Nothing after this point can be trusted to be a reference; stop here.
            out.errors.emplace_back("unterminated \"${\" (missing \"}\")");
            break;
        }
        const std::string_view name = text.substr(dollar + 2, close - dollar - 2);
        pos = close + 1;
        if (!is_valid_name(name)) {
            // The text between the braces is not echoed: it might be a pasted key.
            out.errors.emplace_back(
                "invalid environment variable name in \"${...}\" (use letters, digits and _)");
            continue;
        }
        if (const auto value = env(name)) {
            out.value += *value;
            out.substituted = true;
        } else {
            out.errors.push_back("environment variable " + std::string{name} + " is not set");
        }
    }
    if (!out.ok()) out.value.clear();  // a half-expanded value is never used
    return out;
}

}  // namespace infergate::config
