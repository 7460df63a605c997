// The text a model reads in a parsed request body, for the policies that look at it or rewrite
// it: chat `messages[].content` (a string, or the `text` of its text parts), completions
// `prompt` and embeddings `input` (a string or strings; token arrays are not text).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "infergate/api/endpoint.hpp"

namespace infergate::policy {

using Json = nlohmann::ordered_json;

// Calls `visit` with each text in `body`, in order, until it returns false.
void for_each_prompt_text(Json& body, api::Endpoint endpoint, const std::function<bool(std::string&)>& visit);

}  // namespace infergate::policy
