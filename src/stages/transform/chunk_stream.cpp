#include "infergate/stages/transform/chunk_stream.hpp"

#include "chunk_writer.hpp"

namespace infergate::transform {

void ChunkStream::start(std::string_view id, std::string_view model, std::string& out) {
    head_ = chunk_head(id, options_.created, model);
    started_ = true;
    append_chunk(out, {R"({"role":"assistant","content":""})"});
}

void ChunkStream::append_chunk(std::string& out, std::initializer_list<std::string_view> delta_parts,
                               std::string_view finish) const {
    transform::append_chunk(out, head_, delta_parts, finish);
}

void ChunkStream::complete(std::string_view usage, std::string& out) {
    if (options_.include_usage) append_usage_chunk(out, head_, usage);
    out += "data: [DONE]\n\n";
    finished_ = true;
}

void ChunkStream::fail(api::Error error, std::string& out) {
    append_error_event(out, error);
    error_ = std::move(error);
    finished_ = true;
}

void ChunkStream::invalid(std::string_view what, std::string& out) {
    fail(api::upstream_invalid_response(options_.backend, what), out);
}

}  // namespace infergate::transform
