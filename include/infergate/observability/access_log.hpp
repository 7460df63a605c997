// One line per request, as JSON lines or text. Built in a stack buffer and handed to an
// async spdlog logger whose bounded queue drops the oldest line rather than block a worker.
// Never given a credential: the record has no field that could hold one.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "infergate/config/config.hpp"

namespace spdlog {
class logger;
}

namespace infergate::observability {

struct AccessRecord {
    std::string_view request_id;
    std::string_view peer;           // client address
    std::string_view method;
    std::string_view path;           // without the query string (it may carry secrets)
    std::string_view model;          // public model, empty if none
    std::string_view backend;        // empty if none
    std::string_view upstream_model; // empty if none
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

class AccessLog {
public:
    explicit AccessLog(const config::LogSettings& settings);
    ~AccessLog();
    void write(const AccessRecord& record) const;
    void flush() const;

private:
    config::LogFormat format_;
    std::shared_ptr<spdlog::logger> logger_;
};

// Sets up the process (diagnostic) logger on stderr at `level`; idempotent.
void configure_process_log(std::string_view level);

}  // namespace infergate::observability
