#include "infergate/stages/policy/redact.hpp"

#include <iterator>

namespace infergate::policy {
namespace {

std::vector<Span> find_pattern(const std::string& text, const std::regex& pattern) {
    std::vector<Span> spans;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
        if (it->length(0) == 0) continue;  // an empty match has nothing to hide
        const auto begin = static_cast<std::size_t>(it->position(0));
        spans.emplace_back(begin, begin + static_cast<std::size_t>(it->length(0)));
    }
    return spans;
}

}  // namespace

std::size_t redact_text(std::string& text, const config::RedactRule& rule) {
    const std::vector<Span> spans =
        rule.builtin == config::BuiltinPattern::none ? find_pattern(text, *rule.pattern) : find_builtin(text, rule.builtin);
    if (spans.empty()) return 0;
    std::string out;
    out.reserve(text.size());
    std::size_t done = 0;
    for (const auto& [begin, end] : spans) {
        out.append(text, done, begin - done).append(rule.replacement);
        done = end;
    }
    out.append(text, done);
    text = std::move(out);
    return spans.size();
}

std::size_t redact(Json& body, api::Endpoint endpoint, const std::vector<config::RedactRule>& rules) {
    std::size_t count = 0;
    if (rules.empty()) return count;
    for_each_prompt_text(body, endpoint, [&](std::string& text) {
        for (const config::RedactRule& rule : rules) count += redact_text(text, rule);
        return true;
    });
    return count;
}

}  // namespace infergate::policy
