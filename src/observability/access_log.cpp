#include "infergate/observability/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <chrono>
#include <ctime>
#include <system_error>

#include <fmt/format.h>
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

// Writes a line into room reserved for it beforehand (AccessLogBuffer::room()): each piece is
// a copy, with no capacity check and no call per piece, as a line has some thirty of them.
class LineWriter {
public:
    explicit LineWriter(char* at) noexcept : at_(at) {}
    void put(std::string_view text) noexcept {
        if (!text.empty()) std::memcpy(at_, text.data(), text.size());
        at_ += text.size();
    }
    void put(char c) noexcept { *at_++ = c; }
    char* end() const noexcept { return at_; }

private:
    char* at_;
};

// Bytes a line may need beyond its string fields (which escaping may grow sixfold): keys,
// separators, the timestamp and nine numbers of at most 21 characters each, some 560 in JSON.
constexpr std::size_t kLineOverhead = 1024;

// True if any of the 8 bytes of `word` needs escaping (kNeedsEscape). A borrow can flag a byte
// that needs none, which only sends that word through the byte loop.
constexpr bool any_needs_escape(std::uint64_t word) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    const auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & high; };
    const std::uint64_t control = (word - 0x20 * ones) & ~word & high;
    return (control | zero_byte(word ^ ('"' * ones)) | zero_byte(word ^ ('\\' * ones)) |
            zero_byte(word ^ (0x7f * ones))) != 0;
}

// Appends `text` JSON-escaped (no quotes). Field values can hold client text (model names).
// Runs of plain bytes are copied whole; they are found eight bytes at a time (a line's string
// fields are some 200 bytes, nearly all plain).
void put_escaped(LineWriter& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    const char* run = text.data();
    const char* const end = text.data() + text.size();
    for (const char* p = run; p != end;) {
        if (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, sizeof word);
            if (!any_needs_escape(word)) {
                p += 8;
                continue;
            }
        }
        const auto c = static_cast<unsigned char>(*p);
        if (!kNeedsEscape[c]) {
            ++p;
            continue;
        }
        out.put(std::string_view(run, static_cast<std::size_t>(p - run)));
        if (c == '"' || c == '\\') {
            out.put('\\');
            out.put(*p);
        } else {
            const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            out.put(std::string_view(esc, sizeof esc));
        }
        run = ++p;
    }
    out.put(std::string_view(run, static_cast<std::size_t>(end - run)));
}

// `key` carries its separators: `,"name":"`.
void json_string(LineWriter& out, std::string_view key, std::string_view value) {
    out.put(key);
    put_escaped(out, value);
    out.put('"');
}

// Text format: a value never contains a space or control character (they would let client
// text forge fields or lines), and empty values print as "-".
void text_value(LineWriter& out, std::string_view value) {
    if (value.empty()) {
        out.put('-');
        return;
    }
    char* const start = out.end();
    out.put(value);
    for (char* p = start; p != out.end(); ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c <= 0x20 || c == 0x7f) *p = '_';
    }
}

void put_int(LineWriter& out, std::int64_t value) {
    const fmt::format_int text(value);
    out.put(std::string_view(text.data(), text.size()));
}

// Milliseconds with three decimals, from integer microseconds: fmt's fixed-precision float
// path costs several times more, and each line has three of these. A value no clock can give
// (NaN, or beyond 10^15 ms) prints as -1, "none", so that a line stays within its room.
void put_millis(LineWriter& out, double ms) {
    if (!(std::fabs(ms) < 1e15)) ms = -1;
    if (ms < 0) {  // -1: "none"
        out.put('-');
        ms = -ms;
    }
    const auto micros = static_cast<std::int64_t>(std::llround(ms * 1000.0));
    put_int(out, micros / 1000);
    const auto fraction = static_cast<int>(micros % 1000);
    const char digits[] = {'.', static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                           static_cast<char>('0' + fraction % 10)};
    out.put(std::string_view(digits, sizeof digits));
}

// `key` (with its separator and '=' or ':' already in it) and an integer.
void int_field(LineWriter& out, std::string_view key, std::int64_t value) {
    out.put(key);
    put_int(out, value);
}

void millis_field(LineWriter& out, std::string_view key, double ms) {
    out.put(key);
    put_millis(out, ms);
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

void put_figures(LineWriter& line, const AccessRecord& r, const FigureKeys& keys) {
    line.put(r.stream ? keys.stream_true : keys.stream_false);
    millis_field(line, keys.duration, r.duration_ms);
    millis_field(line, keys.first_byte, r.upstream_first_byte_ms);
    millis_field(line, keys.ttft, r.time_to_first_token_ms);
    int_field(line, keys.prompt_tokens, r.prompt_tokens);
    int_field(line, keys.completion_tokens, r.completion_tokens);
    int_field(line, keys.bytes_in, static_cast<std::int64_t>(r.bytes_in));
    int_field(line, keys.bytes_out, static_cast<std::int64_t>(r.bytes_out));
    line.put(keys.end);
}

// The record's text fields, in line order; their sizes bound the room a line needs.
std::array<std::string_view, 13> text_fields(const AccessRecord& r) {
    return {r.request_id, r.peer,   r.method, r.path,           r.model,        r.backend, r.upstream_model,
            r.code,       r.key_id, r.tenant, r.key_fingerprint, r.served_model, r.attempts};
}

void format_json(LineWriter& line, std::string_view ts, const AccessRecord& r) {
    line.put(std::string_view("{\"ts\":\""));
    line.put(ts);
    line.put('"');
    json_string(line, ",\"request_id\":\"", r.request_id);
    json_string(line, ",\"peer\":\"", r.peer);
    json_string(line, ",\"method\":\"", r.method);
    json_string(line, ",\"path\":\"", r.path);
    json_string(line, ",\"model\":\"", r.model);
    json_string(line, ",\"backend\":\"", r.backend);
    json_string(line, ",\"upstream_model\":\"", r.upstream_model);
    int_field(line, ",\"status\":", r.status);
    json_string(line, ",\"code\":\"", r.code);
    json_string(line, ",\"key_id\":\"", r.key_id);
    json_string(line, ",\"tenant\":\"", r.tenant);
    json_string(line, ",\"key_fp\":\"", r.key_fingerprint);
    json_string(line, ",\"served_model\":\"", r.served_model);
    json_string(line, ",\"attempts\":\"", r.attempts);
    put_figures(line, r, kJsonFigures);
}

void format_text(LineWriter& line, std::string_view ts, const AccessRecord& r) {
    line.put(ts);
    line.put(' ');
    for (std::string_view field : {r.request_id, r.peer, r.method, r.path}) {
        text_value(line, field);
        line.put(' ');
    }
    int_field(line, "status=", r.status);
    line.put(std::string_view(" code="));
    text_value(line, r.code);
    line.put(std::string_view(" model="));
    text_value(line, r.model);
    line.put(std::string_view(" backend="));
    text_value(line, r.backend);
    line.put(std::string_view(" key="));
    text_value(line, r.key_id);
    line.put(std::string_view(" tenant="));
    text_value(line, r.tenant);
    line.put(std::string_view(" key_fp="));
    text_value(line, r.key_fingerprint);
    line.put(std::string_view(" served_model="));
    text_value(line, r.served_model);
    line.put(std::string_view(" attempts="));
    text_value(line, r.attempts);
    put_figures(line, r, kTextFigures);
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
    std::size_t text_bytes = 0;
    for (const std::string_view field : text_fields(record)) text_bytes += field.size();
    LineWriter line(room(kLineOverhead + 6 * text_bytes));
    if (sink_->format() == config::LogFormat::json) {
        format_json(line, ts, record);
    } else {
        format_text(line, ts, record);
    }
    size_ = static_cast<std::size_t>(line.end() - lines_.get());
    if (size_ >= kFlushBytes) flush();
}

char* AccessLogBuffer::room(std::size_t bytes) {
    if (capacity_ - size_ < bytes) {
        const std::size_t capacity = std::max(size_ + bytes, kFlushBytes + kFlushBytes / 2);
        auto grown = std::make_unique_for_overwrite<char[]>(capacity);
        if (size_ != 0) std::memcpy(grown.get(), lines_.get(), size_);
        lines_ = std::move(grown);
        capacity_ = capacity;
    }
    return lines_.get() + size_;
}

void AccessLogBuffer::flush() {
    if (size_ == 0) return;
    sink_->append(std::string_view(lines_.get(), size_));
    size_ = 0;
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
