#include "chunk_writer.hpp"

#include <fmt/format.h>

namespace infergate::transform {

std::string chunk_head(std::string_view id, std::int64_t created, std::string_view model) {
    return fmt::format(R"(data: {{"id":{},"object":"chat.completion.chunk","created":{},"model":{},"choices":[)",
                       id, created, model);
}

void open_chunk(std::string& out, std::string_view head) {
    out += head;
    out += R"({"index":0,"delta":)";
}

void close_chunk(std::string& out, std::string_view finish) {
    out += R"(,"logprobs":null,"finish_reason":)";
    if (finish.empty()) {
        out += "null";
    } else {
        out += '"';
        out += finish;
        out += '"';
    }
    out += "}]}\n\n";
}

void append_chunk(std::string& out, std::string_view head, std::initializer_list<std::string_view> delta_parts,
                  std::string_view finish) {
    open_chunk(out, head);
    for (const std::string_view part : delta_parts) out += part;
    close_chunk(out, finish);
}

void append_usage_chunk(std::string& out, std::string_view head, std::string_view usage) {
    out += head;
    out += R"(],"usage":)";
    out += usage;
    out += "}\n\n";
}

void append_error_event(std::string& out, const api::Error& error) {
    out += "data: ";
    out += api::render_error(error);
    out += "\n\n";
}

}  // namespace infergate::transform
