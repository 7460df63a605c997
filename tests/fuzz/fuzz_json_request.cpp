// The request validator (api::parse_proxy_request) and the JSON scanner under it, checked
// against nlohmann::json as a reference: the scanner accepts exactly what nlohmann accepts
// within the depth limit, and an accepted request reads the same model, stream and limits.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "infergate/api/openai_request.hpp"
#include "infergate/json/scanner.hpp"
#include "json_reference.hpp"

namespace {

using namespace infergate;
using fuzz::Reference;
using fuzz::ReferenceMember;

// nlohmann skips a leading UTF-8 BOM and stops at a NUL byte as if the input ended there;
// the scanner (rightly) rejects both, so "nlohmann accepts" only implies "scanner accepts"
// without them.
bool reference_is_strict(std::string_view text) {
    return !text.starts_with("\xEF\xBB\xBF") && text.find('\0') == std::string_view::npos;
}

bool is_valid_json(std::string_view text) { return !json::validate(text, json::kMaxDepthLimit); }

void check_scanner(std::string_view text, const Reference& ref) {
    const bool valid = is_valid_json(text);
    std::vector<json::Member> members;
    auto collect = [&members](const json::Member& m) { members.push_back(m); };
    const bool object_ok = !json::scan_object(text, api::kMaxJsonDepth, collect);
    FUZZ_REQUIRE(valid || !object_ok);
    if (ref.number_overflow) return;

    const bool expected = ref.accepted && ref.max_depth <= json::kMaxDepthLimit;
    if (valid || reference_is_strict(text)) FUZZ_REQUIRE(valid == expected);
    FUZZ_REQUIRE(object_ok == (valid && ref.top_object && ref.max_depth <= api::kMaxJsonDepth));
    if (!object_ok) return;

    FUZZ_REQUIRE(members.size() == ref.members.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
        FUZZ_REQUIRE(json::decode_key(members[i]) == ref.members[i].key);
        FUZZ_REQUIRE(members[i].kind == ref.members[i].kind);
        FUZZ_REQUIRE(is_valid_json(members[i].value));
        if (members[i].kind != json::Kind::string) continue;
        const std::string decoded = json::decode_string(members[i].value);
        FUZZ_REQUIRE(decoded == ref.members[i].text);
        // Quoting what was decoded gives a string token that decodes back to it.
        std::string quoted;
        json::append_quoted(quoted, decoded);
        FUZZ_REQUIRE(is_valid_json(quoted) && json::decode_string(quoted) == decoded);
    }
}

const ReferenceMember* last_member(const Reference& ref, std::string_view key) {
    const auto it = std::find_if(ref.members.rbegin(), ref.members.rend(),
                                 [key](const ReferenceMember& m) { return m.key == key; });
    return it == ref.members.rend() ? nullptr : &*it;
}

std::optional<std::int64_t> reference_max_tokens(const Reference& ref) {
    for (const char* key : {"max_completion_tokens", "max_tokens"}) {
        const ReferenceMember* m = last_member(ref, key);
        if (m && m->kind != json::Kind::null) return m->integer;
    }
    return std::nullopt;
}

// What an accepted request says must be what the JSON says.
void check_matches_reference(api::Endpoint endpoint, const api::ProxyRequest& req,
                             const Reference& ref) {
    FUZZ_REQUIRE(ref.accepted && ref.top_object && ref.max_depth <= api::kMaxJsonDepth);
    // The fields the gateway reads appear once, however they are spelled. (Other keys are
    // checked for duplicates only up to a cap, by design: see openai_request.cpp.)
    for (const char* field : {"model", "stream", "stream_options", "max_tokens",
                              "max_completion_tokens", "n", "messages", "prompt", "input"}) {
        FUZZ_REQUIRE(std::count_if(ref.members.begin(), ref.members.end(),
                                   [field](const ReferenceMember& m) { return m.key == field; }) <= 1);
    }
    const ReferenceMember* model = last_member(ref, "model");
    FUZZ_REQUIRE(model && model->kind == json::Kind::string && model->text == req.model);
    const ReferenceMember* stream = last_member(ref, "stream");
    FUZZ_REQUIRE(req.stream == (stream && stream->kind == json::Kind::boolean && stream->flag));
    FUZZ_REQUIRE(ref.include_usage_keys <= 1);
    FUZZ_REQUIRE(req.include_usage == (ref.include_usage && ref.include_usage->flag));
    FUZZ_REQUIRE(req.max_tokens == reference_max_tokens(ref));
    FUZZ_REQUIRE(!req.max_tokens || *req.max_tokens >= 1);
    const ReferenceMember* choices = last_member(ref, "n");
    FUZZ_REQUIRE(req.choices == (choices && choices->kind != json::Kind::null ? choices->integer.value_or(0) : 1));
    FUZZ_REQUIRE(req.choices >= 1);
    const ReferenceMember* messages = last_member(ref, "messages");
    if (endpoint == api::Endpoint::chat_completions) {
        FUZZ_REQUIRE(messages && messages->kind == json::Kind::array);
    }
    if (endpoint == api::Endpoint::completions) FUZZ_REQUIRE(last_member(ref, "prompt"));
    if (endpoint == api::Endpoint::embeddings) FUZZ_REQUIRE(last_member(ref, "input"));
}

void check_accepted(std::string_view body, api::Endpoint endpoint, const api::ProxyRequest& req,
                    const Reference& ref) {
    if (!ref.number_overflow) check_matches_reference(endpoint, req, ref);
    FUZZ_REQUIRE(!req.model.empty() && req.model.size() <= 256);
    FUZZ_REQUIRE(req.model_token.data() >= body.data() &&
                 req.model_token.data() + req.model_token.size() <= body.data() + body.size());
    FUZZ_REQUIRE(json::decode_string(req.model_token) == req.model);
    FUZZ_REQUIRE(!(req.stream && endpoint == api::Endpoint::embeddings));

    // The upstream body: the model spliced in, everything else as it was.
    const std::string spliced = api::replace_model(body, req.model_token, "up\"stream\\\x01\xC3\xA9");
    const auto again = api::parse_proxy_request(spliced, endpoint);
    const auto* re = std::get_if<api::ProxyRequest>(&again);
    FUZZ_REQUIRE(re && re->model == "up\"stream\\\x01\xC3\xA9");
    FUZZ_REQUIRE(re->stream == req.stream && re->include_usage == req.include_usage &&
                 re->max_tokens == req.max_tokens && re->choices == req.choices);
    // The router's "no such model" answer quotes the client's model: still valid JSON.
    FUZZ_REQUIRE(is_valid_json(api::render_error(api::model_not_found(req.model))));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const Reference ref = fuzz::reference_parse(body);
    check_scanner(body, ref);
    for (const api::Endpoint endpoint :
         {api::Endpoint::chat_completions, api::Endpoint::completions, api::Endpoint::embeddings}) {
        const auto result = api::parse_proxy_request(body, endpoint);
        if (const auto* request = std::get_if<api::ProxyRequest>(&result)) {
            check_accepted(body, endpoint, *request, ref);
        } else {
            const auto& error = std::get<api::Error>(result);
            FUZZ_REQUIRE(error.status == 400 && is_valid_json(api::render_error(error)));
        }
    }
    return 0;
}
