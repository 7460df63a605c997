// redact: configured patterns in the prompt text are replaced before the upstream sees them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infergate/config/policy.hpp"
#include "infergate/stages/policy/prompt_text.hpp"

namespace infergate::policy {

using Span = std::pair<std::size_t, std::size_t>;  // [begin, end) byte offsets

// Where a built-in pattern occurs in `text`, in order, not overlapping. Hand-written scanners:
// linear, and a card number must pass the Luhn check (order ids and phone numbers do not).
std::vector<Span> find_builtin(std::string_view text, config::BuiltinPattern builtin);

// Replaces every match of `rule` in `text`; returns how many.
std::size_t redact_text(std::string& text, const config::RedactRule& rule);

// Applies every rule, in order, to every prompt text; returns the number of replacements.
std::size_t redact(Json& body, api::Endpoint endpoint, const std::vector<config::RedactRule>& rules);

}  // namespace infergate::policy
