// One line per request, as JSON lines or text. Each worker formats lines into its own buffer
// and hands whole buffers to the shared sink (one write() per ~16 KiB or per 100 ms), so a
// request costs no syscall, no lock and no thread wake-up for logging.
// Never given a credential: the record has no field that could hold one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "infergate/config/config.hpp"

namespace infergate::observability {

struct AccessRecord {
    std::string_view request_id;
    std::string_view peer;           // client address
    std::string_view method;
    std::string_view path;           // without the query string (it may carry secrets)
    std::string_view model;          // public model, empty if none
    std::string_view backend;        // empty if none
    std::string_view upstream_model; // empty if none
    std::string_view served_model;   // the model that answered, when not the one asked for
                                     // (an alias, a rule, a canary or a fallback chose it)
    // Earlier attempts that failed, "backend=outcome:12.3ms ..." (outcome: a status or an
    // error kind); empty when the first attempt answered.
    std::string_view attempts;
    std::string_view key_id;         // the API key's configured id (never the key), if any
    std::string_view tenant;
    std::string_view key_fingerprint; // of a refused credential: 8 hex digits of its SHA-256
    unsigned status = 0;
    std::string_view code;           // error code, empty on success
    bool stream = false;
    double duration_ms = 0;
    double upstream_first_byte_ms = -1;  // < 0: no upstream response head
    double time_to_first_token_ms = -1;  // < 0: not a stream, or nothing relayed
    std::int64_t prompt_tokens = -1;     // < 0: unknown
    std::int64_t completion_tokens = -1;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
};

// Where access-log lines go: standard output or an append-only file, shared by all workers.
class AccessLog {
public:
    // Throws std::system_error if the file cannot be opened.
    explicit AccessLog(const config::LogSettings& settings);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    config::LogFormat format() const noexcept { return format_; }
    // Writes complete lines; the lock keeps lines from different workers whole.
    void append(std::string_view lines) const;

private:
    config::LogFormat format_;
    int fd_ = -1;
    bool owns_fd_ = false;
    mutable std::mutex mutex_;
};

// One worker's pending lines. Worker thread only.
class AccessLogBuffer {
public:
    explicit AccessLogBuffer(std::shared_ptr<const AccessLog> sink) : sink_(std::move(sink)) {}
    ~AccessLogBuffer() { flush(); }
    void write(const AccessRecord& record);
    void flush();
    // A reload's new sink: the pending lines go to the old one, later lines to this one.
    void switch_to(std::shared_ptr<const AccessLog> sink);

private:
    std::string_view timestamp();
    // At least `bytes` of writable room after the pending lines.
    char* room(std::size_t bytes);

    static constexpr std::size_t kFlushBytes = 16 * 1024;
    std::shared_ptr<const AccessLog> sink_;
    std::unique_ptr<char[]> lines_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
    long long cached_second_ = -1;
    char timestamp_[32] = {};
};

// Sets up the process (diagnostic) logger on stderr at `level`; idempotent.
void configure_process_log(std::string_view level);

}  // namespace infergate::observability
