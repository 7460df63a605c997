#include "infergate/observability/access_log.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace infergate::observability {
namespace {

// Appends `text` JSON-escaped (no quotes). Field values can hold client text (model names).
void append_escaped(fmt::memory_buffer& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c < 0x20 || c == 0x7f) {
            const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            out.append(esc, esc + 6);
        } else {
            out.push_back(ch);
        }
    }
}

void json_string(fmt::memory_buffer& out, std::string_view key, std::string_view value) {
    fmt::format_to(std::back_inserter(out), ",\"{}\":\"", key);
    append_escaped(out, value);
    out.push_back('"');
}

std::shared_ptr<spdlog::logger> make_logger(const config::LogSettings& settings) {
    static std::once_flag pool_once;
    std::call_once(pool_once, [] {
        // One background thread; 16384 queued lines, then the oldest is dropped (never block).
        spdlog::init_thread_pool(16384, 1);
    });
    spdlog::sink_ptr sink;
    if (settings.access_path.empty() || settings.access_path == "stdout") {
        sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.access_path);
    }
    auto logger = std::make_shared<spdlog::async_logger>(
        "access", std::move(sink), spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    return logger;
}

}  // namespace

AccessLog::AccessLog(const config::LogSettings& settings)
    : format_(settings.access_format), logger_(make_logger(settings)) {}

AccessLog::~AccessLog() { logger_->flush(); }

void AccessLog::flush() const { logger_->flush(); }

void AccessLog::write(const AccessRecord& r) const {
    fmt::memory_buffer line;
    const auto now = std::chrono::system_clock::now();
    if (format_ == config::LogFormat::json) {
        fmt::format_to(std::back_inserter(line), "{{\"ts\":\"{:%Y-%m-%dT%H:%M:%S}Z\"",
                       std::chrono::floor<std::chrono::milliseconds>(now));
        json_string(line, "request_id", r.request_id);
        json_string(line, "peer", r.peer);
        json_string(line, "method", r.method);
        json_string(line, "path", r.path);
        json_string(line, "model", r.model);
        json_string(line, "backend", r.backend);
        json_string(line, "upstream_model", r.upstream_model);
        fmt::format_to(std::back_inserter(line), ",\"status\":{}", r.status);
        json_string(line, "code", r.code);
        fmt::format_to(std::back_inserter(line),
                       ",\"stream\":{},\"duration_ms\":{:.3f},\"upstream_first_byte_ms\":{:.3f},"
                       "\"ttft_ms\":{:.3f},\"prompt_tokens\":{},\"completion_tokens\":{},"
                       "\"bytes_in\":{},\"bytes_out\":{}}}",
                       r.stream, r.duration_ms, r.upstream_first_byte_ms, r.time_to_first_token_ms,
                       r.prompt_tokens, r.completion_tokens, r.bytes_in, r.bytes_out);
    } else {
        auto text = [](std::string_view v) { return v.empty() ? std::string_view("-") : v; };
        fmt::format_to(std::back_inserter(line),
                       "{:%Y-%m-%dT%H:%M:%S}Z {} {} {} {} status={} code={} model={} backend={} "
                       "stream={} duration_ms={:.3f} ttfb_ms={:.3f} ttft_ms={:.3f} "
                       "prompt_tokens={} completion_tokens={} bytes_in={} bytes_out={}",
                       std::chrono::floor<std::chrono::milliseconds>(now), text(r.request_id),
                       text(r.peer), r.method, r.path, r.status, text(r.code), text(r.model),
                       text(r.backend), r.stream, r.duration_ms, r.upstream_first_byte_ms,
                       r.time_to_first_token_ms, r.prompt_tokens, r.completion_tokens, r.bytes_in,
                       r.bytes_out);
    }
    logger_->info(std::string_view(line.data(), line.size()));
}

void configure_process_log(std::string_view level) {
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
}

}  // namespace infergate::observability
