// A byte-exact fake upstream for faults the llm-mock cannot script: every reply is raw bytes
// (so malformed heads, bodies and streams are easy), sent after the request was read whole.
// It records each request as received and counts connections, so tests can also prove that
// nothing arrived (the SSRF canary listener) or that a connection was not reused.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "infergate/net.hpp"

namespace infergate::testing {

class ScriptedUpstream {
public:
    enum class Then { close, reset, keep_open };
    struct Reply {
        std::string bytes;        // written as they are
        Then then = Then::close;  // afterwards: FIN, RST, or wait for the next request
        // Written `later_after` after `bytes` on a connection kept open: an unsolicited answer.
        std::string later;
        std::chrono::milliseconds later_after{0};
    };
    // The reply to the `index`-th request (0-based, counted over all connections).
    using Script = std::function<Reply(std::size_t index)>;

    explicit ScriptedUpstream(Script script);
    explicit ScriptedUpstream(Reply always);
    ~ScriptedUpstream();
    ScriptedUpstream(const ScriptedUpstream&) = delete;
    ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::size_t connections() const;
    std::vector<std::string> requests() const;  // a copy: head and body of each, as received
    std::size_t laters_sent() const;

    // A complete HTTP/1.1 response with a Content-Length.
    static std::string response(unsigned status, const std::string& content_type,
                                const std::string& body, const std::string& extra_fields = "");

private:
    net::awaitable<void> accept_loop();
    net::awaitable<void> serve(tcp::socket socket);

    Script script_;
    net::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::size_t connections_ = 0;
    std::size_t laters_sent_ = 0;
    std::vector<std::string> requests_;
    std::thread thread_;
};

}  // namespace infergate::testing
