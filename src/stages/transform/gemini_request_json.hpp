// What the pieces of the Gemini request translation share beyond request_json.hpp.
#pragma once

#include <string>

#include "request_json.hpp"

namespace infergate::transform::gemini {

// 400 unsupported_value: valid OpenAI, but Gemini has no way to do it.
api::Error unsupported(const std::string& param, std::string message);

// A JSON Schema as Gemini's Schema (an OpenAPI subset) takes it, best effort: members it
// refuses (`additionalProperties`, `$schema`, `strict`) are left out at every level.
Json gemini_schema(const Json& schema);

}  // namespace infergate::transform::gemini
