// What the pieces of the inbound Messages request translation share. The DOM type and the
// field errors are the shared request ones (request_json.hpp).
#pragma once

#include <cstddef>
#include <string>

#include "anthropic_request_json.hpp"
#include "request_json.hpp"

namespace infergate::transform::messages_ingress {

// 400 unsupported_value: valid Anthropic, but an OpenAI backend has no way to do it.
api::Error unsupported(const std::string& param, std::string message);

// `param[index]`.
std::string at(const std::string& param, std::size_t index);

}  // namespace infergate::transform::messages_ingress
