// One active health check of a backend (see health_probe.hpp).
#include "infergate/upstream/health_probe.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "infergate/upstream/connection.hpp"

namespace infergate::upstream {
namespace {

ProbeResult failed(std::string_view stage, const beast::error_code& ec) {
    const bool timed_out = ec == beast::error::timeout;
    return ProbeResult{false, 0, timed_out ? fmt::format("{}: timed out", stage)
                                           : fmt::format("{}: {}", stage, ec.message())};
}

http::request<http::empty_body> health_request(const Backend& backend) {
    const config::Backend& settings = backend.settings();
    http::request<http::empty_body> request{http::verb::get, settings.base_path + settings.health_check.path, 11};
    request.set(http::field::host, backend.host_header());
    request.set(http::field::user_agent, "infergate-health-check");
    request.set(http::field::accept, "*/*");
    request.set(http::field::connection, "close");
    if (!backend.credential_header().empty()) {
        request.set(backend.credential_header(), backend.credential_value(0).reveal());
    }
    if (backend.settings().provider == config::Provider::anthropic) {
        request.set("anthropic-version", backend.settings().api_version);
    }
    return request;
}

}  // namespace

net::awaitable<ProbeResult> probe_health(const Backend& backend) {
    const config::Backend& settings = backend.settings();
    const auto timeout = settings.health_check.timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Connection connection(co_await net::this_coro::executor, backend);
    const ConnectResult connected = co_await connect(connection, backend, std::min(timeout, settings.timeouts.connect));
    // A check's dial counts for readiness like a request's: a backend found unreachable by
    // traffic is found reachable again without waiting for more traffic.
    backend.set_reachable(!connected.error);
    if (connected.error) {
        connection.close();
        using observability::UpstreamError;
        const std::string_view stage = connected.kind == UpstreamError::dns   ? "resolve"
                                       : connected.kind == UpstreamError::tls ? "tls"
                                                                              : "connect";
        co_return failed(stage, connected.error);
    }
    const http::request<http::empty_body> request = health_request(backend);
    connection.deadline().arm(deadline - std::chrono::steady_clock::now());  // what is left of the check's time
    beast::error_code error;
    std::string_view stage = "send";
    unsigned status = 0;
    co_await connection.visit([&](auto& stream) -> net::awaitable<void> {
        auto [write_ec, written] = co_await http::async_write(stream, request, use_tuple);
        if (write_ec) {
            error = write_ec;
            co_return;
        }
        stage = "response";
        http::response_parser<http::empty_body> parser;
        auto [read_ec, read] = co_await http::async_read_header(stream, connection.buffer, parser, use_tuple);
        if (read_ec) {
            error = read_ec;
            co_return;
        }
        status = parser.get().result_int();
    });
    if (connection.deadline().caused(error)) error = beast::error::timeout;
    connection.close();
    if (error) co_return failed(stage, error);
    const bool passed = status >= 200 && status <= 299;
    co_return ProbeResult{passed, status, passed ? std::string() : fmt::format("HTTP {}", status)};
}

}  // namespace infergate::upstream
