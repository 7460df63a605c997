#include "messages_ingress_json.hpp"

namespace infergate::transform::messages_ingress {

api::Error unsupported(const std::string& param, std::string message) {
    return api::invalid_request(std::move(message) + " (the model is served through an OpenAI-format backend)",
                                param, "unsupported_value");
}

std::string at(const std::string& param, std::size_t index) {
    return param + "[" + std::to_string(index) + "]";
}

}  // namespace infergate::transform::messages_ingress
