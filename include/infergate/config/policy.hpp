// Request policies as the operator wrote them under models.<name>.policies and
// auth.keys[i].policies: validated plain values, patterns compiled once at load.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace infergate::config {

// Compiled with std::regex's polynomial (Thompson NFA) executor: no back-references, and no
// recursion proportional to the text, so a long prompt cannot blow the worker's stack.
using PatternPtr = std::shared_ptr<const std::regex>;

enum class BuiltinPattern : std::uint8_t { none, email, credit_card, ipv4 };

struct RedactRule {
    BuiltinPattern builtin = BuiltinPattern::none;
    PatternPtr pattern;                  // when builtin is none
    std::string replacement;             // literal text
};

enum class SystemPromptMode : std::uint8_t {
    prepend,     // a system message before the client's messages
    replace,     // the client's system/developer messages are dropped, ours goes first
    if_missing,  // ours goes first only when the client sent no system/developer message
};

struct SystemPrompt {
    std::string text;
    SystemPromptMode mode = SystemPromptMode::prepend;
};

struct Policy {
    nlohmann::ordered_json defaults = nlohmann::ordered_json::object();   // set when absent
    nlohmann::ordered_json overrides = nlohmann::ordered_json::object();  // always set
    std::int64_t max_tokens_cap = 0;     // 0: none
    std::int64_t max_prompt_tokens = 0;  // 0: none
    std::vector<SystemPrompt> system_prompts;  // one from the file; merging may add a second
    std::vector<std::pair<std::string, std::string>> add_headers;  // upstream request
    std::vector<std::string> remove_headers;                       // client headers not forwarded
    std::vector<PatternPtr> deny;
    std::vector<RedactRule> redact;

    bool empty() const noexcept {
        return defaults.empty() && overrides.empty() && max_tokens_cap == 0 && max_prompt_tokens == 0 &&
               system_prompts.empty() && add_headers.empty() && remove_headers.empty() && deny.empty() &&
               redact.empty();
    }
};

}  // namespace infergate::config
