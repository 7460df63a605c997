#include "infergate/stages/cache/sse_replay.hpp"

#include <nlohmann/json.hpp>

namespace infergate::cache {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

bool non_empty_string(const json& object, const char* field) {
    auto it = object.find(field);
    return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

// Writes chunks that share the cached answer's id, created, model and fingerprint.
class ChunkWriter {
public:
    ChunkWriter(const json& body, const ReplayOptions& options, const char* object)
        : include_usage_(options.include_usage) {
        head_["id"] = options.id.empty() ? body.value("id", json("")) : json(options.id);
        head_["object"] = object;
        head_["created"] = body.value("created", json(0));
        head_["model"] = body.value("model", json(""));
        if (auto it = body.find("system_fingerprint"); it != body.end() && !it->is_null()) {
            head_["system_fingerprint"] = *it;
        }
    }

    void choice(ordered&& choice) {
        ordered chunk = head_;
        chunk["choices"] = ordered::array({std::move(choice)});
        // OpenAI sends "usage": null on every chunk once the client asked for usage.
        if (include_usage_) chunk["usage"] = nullptr;
        write(chunk);
    }

    void usage(const json& usage) {
        ordered chunk = head_;
        chunk["choices"] = ordered::array();
        chunk["usage"] = usage;
        write(chunk);
    }

    std::string finish() && {
        out_ += "data: [DONE]\n\n";
        return std::move(out_);
    }

private:
    void write(const ordered& chunk) {
        out_ += "data: ";
        out_ += chunk.dump(-1, ' ', false, ordered::error_handler_t::replace);
        out_ += "\n\n";
    }

    bool include_usage_;
    ordered head_;
    std::string out_;
};

ordered chat_choice(const json& index, ordered&& delta, const json& finish_reason = nullptr) {
    return ordered{{"index", index},
                   {"delta", std::move(delta)},
                   {"logprobs", nullptr},
                   {"finish_reason", finish_reason}};
}

void replay_chat_choice(ChunkWriter& out, const json& choice) {
    const json index = choice.value("index", json(0));
    const json& message = choice.at("message");
    out.choice(
        chat_choice(index, {{"role", message.value("role", json("assistant"))}, {"content", ""}}));
    // Each text field travels whole: one chunk instead of the upstream's many.
    for (const char* field : {"reasoning_content", "refusal", "content"}) {
        if (non_empty_string(message, field))
            out.choice(chat_choice(index, {{field, message[field]}}));
    }
    if (auto calls = message.find("tool_calls");
        calls != message.end() && calls->is_array() && !calls->empty()) {
        ordered deltas = ordered::array();
        for (std::size_t i = 0; i < calls->size(); ++i) {
            const json& call = (*calls)[i];
            ordered delta{{"index", i}};
            if (call.contains("id")) delta["id"] = call["id"];
            delta["type"] = call.value("type", "function");
            delta["function"] = call.value("function", json::object());
            deltas.push_back(std::move(delta));
        }
        out.choice(chat_choice(index, {{"tool_calls", std::move(deltas)}}));
    }
    out.choice(chat_choice(index, ordered::object(), choice.value("finish_reason", json())));
}

void replay_text_choice(ChunkWriter& out, const json& choice) {
    const json index = choice.value("index", json(0));
    auto text_chunk = [&](const json& text, const json& finish_reason) {
        return ordered{{"text", text},
                       {"index", index},
                       {"logprobs", nullptr},
                       {"finish_reason", finish_reason}};
    };
    out.choice(text_chunk(choice.value("text", json("")), nullptr));
    out.choice(text_chunk("", choice.value("finish_reason", json())));
}

}  // namespace

std::optional<std::string> sse_replay(const Entry& entry, const ReplayOptions& options) {
    const json body = json::parse(entry.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) return std::nullopt;
    const json object = body.value("object", json(""));
    const bool chat = object == "chat.completion";
    if (!chat && object != "text_completion") return std::nullopt;
    auto choices = body.find("choices");
    if (choices == body.end() || !choices->is_array()) return std::nullopt;
    for (const json& choice : *choices) {
        if (!choice.is_object() || (chat && !choice.contains("message"))) return std::nullopt;
        // Per-token logprobs cannot be cut back into the chunks they came in: no replay.
        if (auto lp = choice.find("logprobs"); lp != choice.end() && !lp->is_null()) {
            return std::nullopt;
        }
    }

    try {
        ChunkWriter out(body, options, chat ? "chat.completion.chunk" : "text_completion");
        for (const json& choice : *choices) {
            chat ? replay_chat_choice(out, choice) : replay_text_choice(out, choice);
        }
        if (auto usage = body.find("usage");
            options.include_usage && usage != body.end() && usage->is_object()) {
            out.usage(*usage);
        }
        return std::move(out).finish();
    } catch (const json::exception&) {
        return std::nullopt;  // a field of an unexpected type: the body is not replayable
    }
}

}  // namespace infergate::cache
