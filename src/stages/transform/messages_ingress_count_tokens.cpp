#include "infergate/stages/transform/messages_ingress_count_tokens.hpp"

#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"

namespace infergate::transform::messages_ingress {

namespace {

// As quota_stage.cpp's kBytesPerToken: both must give the client the same number.
constexpr std::int64_t kBytesPerToken = 4;

}  // namespace

std::int64_t estimate_tokens(std::string_view anthropic_body) noexcept {
    return static_cast<std::int64_t>(anthropic_body.size()) / kBytesPerToken + 1;
}

std::variant<std::string, api::Error> count_tokens(std::string_view anthropic_body) {
    bool has_model = false;
    bool has_messages = false;
    auto on_member = [&](const json::Member& member) {
        if (member.key == "model") has_model = member.kind == json::Kind::string;
        else if (member.key == "messages") has_messages = member.kind == json::Kind::array;
    };
    if (json::scan_object(anthropic_body, api::kMaxJsonDepth, on_member)) {
        return api::invalid_request("The request body is not valid JSON.", {}, "invalid_json");
    }
    if (!has_model) return api::invalid_request("Missing required parameter: 'model'.", "model", "missing_required_parameter");
    if (!has_messages) {
        return api::invalid_request("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
    }
    return R"({"input_tokens":)" + std::to_string(estimate_tokens(anthropic_body)) + "}";
}

}  // namespace infergate::transform::messages_ingress
