#include "anthropic_request_json.hpp"

namespace infergate::transform::anthropic {

api::Error unsupported(const std::string& param, std::string message) {
    return unsupported_by("Anthropic", param, std::move(message));
}

}  // namespace infergate::transform::anthropic
