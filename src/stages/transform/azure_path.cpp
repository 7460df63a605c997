#include "infergate/stages/transform/azure_path.hpp"

namespace infergate::transform {
namespace {

bool is_unreserved(char c) {  // RFC 3986 2.3
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

std::string_view operation(api::Endpoint endpoint) {
    switch (endpoint) {
        case api::Endpoint::chat_completions: return "/chat/completions";
        case api::Endpoint::completions: return "/completions";
        case api::Endpoint::embeddings: return "/embeddings";
        default: return "";
    }
}

}  // namespace

void append_azure_path(std::string& target, api::Endpoint endpoint, std::string_view deployment,
                       std::string_view api_version) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    target.append("/openai/deployments/");
    // "." and ".." would be path steps, not a name: their dots are encoded too.
    const bool dots_only = deployment.find_first_not_of('.') == std::string_view::npos;
    for (const char c : deployment) {
        if (is_unreserved(c) && !(dots_only && c == '.')) {
            target.push_back(c);
        } else {
            const auto byte = static_cast<unsigned char>(c);
            target.push_back('%');
            target.push_back(kHex[byte >> 4]);
            target.push_back(kHex[byte & 15]);
        }
    }
    target.append(operation(endpoint)).append("?api-version=").append(api_version);
}

}  // namespace infergate::transform
