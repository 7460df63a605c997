#include "infergate/stages/cache/stream_collector.hpp"

#include <nlohmann/json.hpp>

#include "infergate/streaming/sse.hpp"

namespace infergate::cache {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

// The string at `field`, or empty when absent or null (a delta names only what it adds).
std::string_view text_of(const json& object, const char* field) {
    auto it = object.find(field);
    if (it == object.end() || !it->is_string()) return {};
    return it->get_ref<const std::string&>();
}

}  // namespace

void StreamCollector::on_event(std::string_view event) {
    if (failed_) return;
    const auto data = sse::first_data(event);
    if (!data) return;
    if (done_) {
        failed_ = true;  // anything after [DONE] is not an OpenAI stream
        return;
    }
    if (sse::is_done_event(event)) {
        done_ = true;
        return;
    }
    try {
        on_chunk(*data);
    } catch (const json::exception&) {
        failed_ = true;  // a field of an unexpected type
    }
}

void StreamCollector::append(std::string& to, std::string_view text) {
    bytes_ += text.size();
    if (bytes_ > max_bytes_) {
        failed_ = true;
        return;
    }
    to.append(text);
}

void StreamCollector::on_chunk(std::string_view data) {
    const json chunk = json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (!chunk.is_object() || chunk.contains("error") ||
        chunk.value("object", json("")) != "chat.completion.chunk") {
        failed_ = true;
        return;
    }
    if (id_.empty()) id_ = chunk.value("id", "");
    if (model_.empty()) model_ = chunk.value("model", "");
    if (system_fingerprint_.empty())
        system_fingerprint_ = std::string(text_of(chunk, "system_fingerprint"));
    if (created_ == 0) created_ = chunk.value("created", std::int64_t{0});
    if (auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
        usage_ = usage->dump();
        bytes_ += usage_.size();
    }
    auto choices = chunk.find("choices");
    if (choices == chunk.end() || !choices->is_array()) return;
    for (const json& item : *choices) {
        if (auto lp = item.find("logprobs"); lp != item.end() && !lp->is_null()) {
            failed_ = true;  // per-token data the rebuilt body would not carry
            return;
        }
        Choice& choice = choices_[item.value("index", std::int64_t{0})];
        if (auto finish = item.find("finish_reason"); finish != item.end() && finish->is_string()) {
            choice.finish_reason = finish->get<std::string>();
        }
        auto delta_it = item.find("delta");
        if (delta_it == item.end() || !delta_it->is_object()) continue;
        const json& delta = *delta_it;
        if (auto role = text_of(delta, "role"); !role.empty()) choice.role = std::string(role);
        append(choice.content, text_of(delta, "content"));
        if (!text_of(delta, "reasoning_content").empty()) choice.has_reasoning = true;
        append(choice.reasoning_content, text_of(delta, "reasoning_content"));
        if (!text_of(delta, "refusal").empty()) choice.has_refusal = true;
        append(choice.refusal, text_of(delta, "refusal"));
        auto calls = delta.find("tool_calls");
        if (calls == delta.end() || !calls->is_array()) continue;
        for (const json& call : *calls) {
            // Fragments of one call share its index; the id, type and name come once.
            ToolCall& slot = choice.tool_calls[call.at("index").get<std::int64_t>()];
            if (auto id = text_of(call, "id"); !id.empty()) slot.id = std::string(id);
            if (auto type = text_of(call, "type"); !type.empty()) slot.type = std::string(type);
            if (auto fn = call.find("function"); fn != call.end() && fn->is_object()) {
                append(slot.name, text_of(*fn, "name"));
                append(slot.arguments, text_of(*fn, "arguments"));
            }
        }
    }
}

std::optional<std::string> StreamCollector::body() const {
    if (!done()) return std::nullopt;
    ordered body{
        {"id", id_}, {"object", "chat.completion"}, {"created", created_}, {"model", model_}};
    if (!system_fingerprint_.empty()) body["system_fingerprint"] = system_fingerprint_;
    ordered choices = ordered::array();
    for (const auto& [index, choice] : choices_) {
        ordered message{{"role", choice.role}};
        // OpenAI's own bodies say null, not "", when the answer is a tool call or a refusal.
        const bool no_text =
            choice.content.empty() && (!choice.tool_calls.empty() || choice.has_refusal);
        message["content"] = no_text ? ordered(nullptr) : ordered(choice.content);
        if (choice.has_reasoning) message["reasoning_content"] = choice.reasoning_content;
        if (choice.has_refusal) message["refusal"] = choice.refusal;
        if (!choice.tool_calls.empty()) {
            ordered calls = ordered::array();
            for (const auto& [call_index, call] : choice.tool_calls) {
                calls.push_back(
                    {{"id", call.id},
                     {"type", call.type.empty() ? "function" : call.type},
                     {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
            }
            message["tool_calls"] = std::move(calls);
        }
        choices.push_back({{"index", index},
                           {"message", std::move(message)},
                           {"logprobs", nullptr},
                           {"finish_reason", choice.finish_reason ? ordered(*choice.finish_reason)
                                                                  : ordered(nullptr)}});
    }
    body["choices"] = std::move(choices);
    if (!usage_.empty()) body["usage"] = ordered::parse(usage_);
    return body.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

std::optional<Entry> StreamCollector::entry() const {
    auto text = body();
    if (!text) return std::nullopt;
    return make_entry(std::move(*text));
}

}  // namespace infergate::cache
