#include "infergate/observability/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <ctime>
#include <system_error>

#include <spdlog/spdlog.h>

namespace infergate::observability {
namespace {

// Bytes a JSON string cannot hold as they are: quote, backslash, control characters, DEL.
constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c) table[c] = true;
    table['"'] = table['\\'] = table[0x7f] = true;
    return table;
}();

// Appends `text` JSON-escaped (no quotes). Field values can hold client text (model names).
// Runs of plain bytes are appended whole: a line has a dozen of these fields.
void append_escaped(fmt::memory_buffer& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    const char* run = text.data();
    const char* const end = text.data() + text.size();
    for (const char* p = run; p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (!kNeedsEscape[c]) continue;
        out.append(run, p);
        run = p + 1;
        if (c == '"' || c == '\\') {
            const char esc[] = {'\\', *p};
            out.append(esc, esc + 2);
        } else {
            const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            out.append(esc, esc + 6);
        }
    }
    out.append(run, end);
}

void json_string(fmt::memory_buffer& out, std::string_view key, std::string_view value) {
    out.append(std::string_view(",\""));
    out.append(key);
    out.append(std::string_view("\":\""));
    append_escaped(out, value);
    out.push_back('"');
}

// Text format: a value never contains a space or control character (they would let client
// text forge fields or lines), and empty values print as "-".
void text_value(fmt::memory_buffer& out, std::string_view value) {
    if (value.empty()) {
        out.push_back('-');
        return;
    }
    const std::size_t start = out.size();
    out.append(value);
    for (char* p = out.data() + start; p != out.data() + out.size(); ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c <= 0x20 || c == 0x7f) *p = '_';
    }
}

void append_int(fmt::memory_buffer& out, std::int64_t value) {
    const fmt::format_int text(value);
    out.append(text.data(), text.data() + text.size());
}

// Milliseconds with three decimals, from integer microseconds: fmt's fixed-precision float
// path costs several times more, and each line has three of these.
void append_millis(fmt::memory_buffer& out, double ms) {
    if (!(std::fabs(ms) < 1e15)) {  // NaN or absurd: fmt's general path
        fmt::format_to(std::back_inserter(out), "{:.3f}", ms);
        return;
    }
    if (ms < 0) {  // -1: "none"
        out.push_back('-');
        ms = -ms;
    }
    const auto micros = static_cast<std::int64_t>(std::llround(ms * 1000.0));
    append_int(out, micros / 1000);
    const auto fraction = static_cast<int>(micros % 1000);
    const char digits[] = {'.', static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                           static_cast<char>('0' + fraction % 10)};
    out.append(digits, digits + 4);
}

// `key` (with its separator and '=' or ':' already in it) and an integer.
void int_field(fmt::memory_buffer& out, std::string_view key, std::int64_t value) {
    out.append(key);
    append_int(out, value);
}

void millis_field(fmt::memory_buffer& out, std::string_view key, double ms) {
    out.append(key);
    append_millis(out, ms);
}

// The numeric tail of a line, in one format's spelling: each key carries its separator.
struct FigureKeys {
    std::string_view stream_true, stream_false, duration, first_byte, ttft, prompt_tokens, completion_tokens,
        bytes_in, bytes_out, end;
};

constexpr FigureKeys kJsonFigures{",\"stream\":true",        ",\"stream\":false",      ",\"duration_ms\":",
                                  ",\"upstream_first_byte_ms\":", ",\"ttft_ms\":",          ",\"prompt_tokens\":",
                                  ",\"completion_tokens\":",  ",\"bytes_in\":",           ",\"bytes_out\":",
                                  "}\n"};
constexpr FigureKeys kTextFigures{" stream=true",      " stream=false",  " duration_ms=",
                                  " ttfb_ms=",         " ttft_ms=",      " prompt_tokens=",
                                  " completion_tokens=", " bytes_in=",  " bytes_out=",
                                  "\n"};

void append_figures(fmt::memory_buffer& line, const AccessRecord& r, const FigureKeys& keys) {
    line.append(r.stream ? keys.stream_true : keys.stream_false);
    millis_field(line, keys.duration, r.duration_ms);
    millis_field(line, keys.first_byte, r.upstream_first_byte_ms);
    millis_field(line, keys.ttft, r.time_to_first_token_ms);
    int_field(line, keys.prompt_tokens, r.prompt_tokens);
    int_field(line, keys.completion_tokens, r.completion_tokens);
    int_field(line, keys.bytes_in, static_cast<std::int64_t>(r.bytes_in));
    int_field(line, keys.bytes_out, static_cast<std::int64_t>(r.bytes_out));
    line.append(keys.end);
}

void format_json(fmt::memory_buffer& line, std::string_view ts, const AccessRecord& r) {
    line.append(std::string_view("{\"ts\":\""));
    line.append(ts);
    line.push_back('"');
    json_string(line, "request_id", r.request_id);
    json_string(line, "peer", r.peer);
    json_string(line, "method", r.method);
    json_string(line, "path", r.path);
    json_string(line, "model", r.model);
    json_string(line, "backend", r.backend);
    json_string(line, "upstream_model", r.upstream_model);
    int_field(line, ",\"status\":", r.status);
    json_string(line, "code", r.code);
    json_string(line, "key_id", r.key_id);
    json_string(line, "tenant", r.tenant);
    json_string(line, "key_fp", r.key_fingerprint);
    json_string(line, "served_model", r.served_model);
    json_string(line, "attempts", r.attempts);
    append_figures(line, r, kJsonFigures);
}

void format_text(fmt::memory_buffer& line, std::string_view ts, const AccessRecord& r) {
    line.append(ts);
    line.push_back(' ');
    for (std::string_view field : {r.request_id, r.peer, r.method, r.path}) {
        text_value(line, field);
        line.push_back(' ');
    }
    int_field(line, "status=", r.status);
    line.append(std::string_view(" code="));
    text_value(line, r.code);
    line.append(std::string_view(" model="));
    text_value(line, r.model);
    line.append(std::string_view(" backend="));
    text_value(line, r.backend);
    line.append(std::string_view(" key="));
    text_value(line, r.key_id);
    line.append(std::string_view(" tenant="));
    text_value(line, r.tenant);
    line.append(std::string_view(" key_fp="));
    text_value(line, r.key_fingerprint);
    line.append(std::string_view(" served_model="));
    text_value(line, r.served_model);
    line.append(std::string_view(" attempts="));
    text_value(line, r.attempts);
    append_figures(line, r, kTextFigures);
}

}  // namespace

AccessLog::AccessLog(const config::LogSettings& settings) : format_(settings.access_format) {
    if (settings.access_path.empty() || settings.access_path == "stdout") {
        fd_ = STDOUT_FILENO;
        return;
    }
    fd_ = ::open(settings.access_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(),
                                "cannot open access log " + settings.access_path);
    }
    owns_fd_ = true;
}

AccessLog::~AccessLog() {
    if (owns_fd_) ::close(fd_);
}

void AccessLog::append(std::string_view lines) const {
    std::lock_guard lock(mutex_);
    while (!lines.empty()) {
        const ssize_t n = ::write(fd_, lines.data(), lines.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // a broken log sink must not take requests down with it
        }
        lines.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string_view AccessLogBuffer::timestamp() {
    // Calendar formatting is costly; redo it once a second, add the milliseconds each time.
    const auto now = std::chrono::system_clock::now();
    const auto since_epoch = now.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    if (seconds != cached_second_) {
        cached_second_ = seconds;
        const std::time_t t = static_cast<std::time_t>(seconds);
        std::tm utc{};
        gmtime_r(&t, &utc);
        std::strftime(timestamp_, sizeof timestamp_, "%Y-%m-%dT%H:%M:%S", &utc);
    }
    const std::size_t prefix = 19;  // "YYYY-MM-DDTHH:MM:SS"
    timestamp_[prefix] = '.';
    timestamp_[prefix + 1] = static_cast<char>('0' + millis / 100);
    timestamp_[prefix + 2] = static_cast<char>('0' + millis / 10 % 10);
    timestamp_[prefix + 3] = static_cast<char>('0' + millis % 10);
    timestamp_[prefix + 4] = 'Z';
    return std::string_view(timestamp_, prefix + 5);
}

void AccessLogBuffer::write(const AccessRecord& record) {
    const std::string_view ts = timestamp();
    if (sink_->format() == config::LogFormat::json) {
        format_json(lines_, ts, record);
    } else {
        format_text(lines_, ts, record);
    }
    if (lines_.size() >= kFlushBytes) flush();
}

void AccessLogBuffer::flush() {
    if (lines_.size() == 0) return;
    sink_->append(std::string_view(lines_.data(), lines_.size()));
    lines_.clear();
}

void AccessLogBuffer::switch_to(std::shared_ptr<const AccessLog> sink) {
    flush();
    sink_ = std::move(sink);
}

void configure_process_log(std::string_view level) {
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
}

}  // namespace infergate::observability
