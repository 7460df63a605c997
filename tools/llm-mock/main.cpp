// llm-mock: OpenAI-compatible mock model server (see mock_server.hpp for the behaviour).
#include "mock_server.hpp"
#include "tls_cert.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include <pthread.h>

namespace {

constexpr const char* kUsage =
    "usage: llm-mock [--listen HOST:PORT] [--threads N] [--chunks N] [--delay-ms D]\n"
    "                [--ttft-ms T] [--status S] [--fault NAME] [--key-status KEY=S]...\n"
    "                [--tls-self-signed [--tls-cert-out FILE]] [--help]\n"
    "\n"
    "OpenAI-compatible mock model server.\n"
    "  --listen HOST:PORT   listen address (default 127.0.0.1:8090; [::1]:PORT for IPv6;\n"
    "                       port 0 picks a free port)\n"
    "  --threads N          I/O threads (default 1)\n"
    "  --chunks N           words per reply / stream chunks (default 8)\n"
    "  --delay-ms D         delay before each streamed word (default 0)\n"
    "  --ttft-ms T          delay before the response head (default 0)\n"
    "  --status S           answer every request with error status S (400-599) unless it\n"
    "                       sends x-mock-status (default: none)\n"
    "  --fault NAME         apply fault NAME (an x-mock-fault value) to every request\n"
    "                       without its own x-mock-fault (default: none)\n"
    "  --key-status KEY=S   answer requests with \"Authorization: Bearer KEY\" with status S\n"
    "                       unless they send x-mock-status (repeatable)\n"
    "  --tls-self-signed    serve HTTPS with a fresh self-signed certificate for localhost\n"
    "  --tls-cert-out FILE  also write that certificate (PEM) to FILE, for clients to trust\n"
    "Per-request headers: x-mock-chunks, x-mock-delay-ms, x-mock-ttft-ms, x-mock-status,\n"
    "x-mock-fault (reset-before-headers, close-before-headers, hang, reset-mid-stream,\n"
    "close-mid-stream, truncate-stream, short-body, invalid-json, html, split-events,\n"
    "error-event). POST /v1/messages answers in Anthropic's Messages format.\n";

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "llm-mock: " << message << "\n" << kUsage;
    std::exit(2);
}

long parse_number(std::string_view option, const std::string& value, long lo, long hi) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno != 0 || v < lo || v > hi)
        usage_error("invalid value for " + std::string(option) + ": '" + value + "'");
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    llm_mock::Options options;
    options.port = 8090;
    bool tls = false;
    std::string cert_out;

    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool has_value = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
            has_value = true;
        }
        auto next = [&]() -> std::string {
            if (has_value) return value;
            if (i + 1 >= argc) usage_error("missing value for " + arg);
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--listen") {
            const std::string v = next();
            const auto colon = v.rfind(':');
            if (colon == std::string::npos) usage_error("--listen expects HOST:PORT");
            std::string host = v.substr(0, colon);
            if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
                host = host.substr(1, host.size() - 2);
            if (host.empty()) usage_error("--listen expects HOST:PORT");
            options.host = host;
            options.port = static_cast<std::uint16_t>(parse_number(arg, v.substr(colon + 1), 0, 65535));
        } else if (arg == "--threads") {
            options.threads = static_cast<unsigned>(parse_number(arg, next(), 1, 1024));
        } else if (arg == "--chunks") {
            options.chunks = static_cast<int>(parse_number(arg, next(), 0, 1'000'000));
        } else if (arg == "--delay-ms") {
            options.chunk_delay = std::chrono::milliseconds(parse_number(arg, next(), 0, 3'600'000));
        } else if (arg == "--ttft-ms") {
            options.ttft = std::chrono::milliseconds(parse_number(arg, next(), 0, 3'600'000));
        } else if (arg == "--status") {
            options.status = static_cast<int>(parse_number(arg, next(), 400, 599));
        } else if (arg == "--fault") {
            options.fault = next();
        } else if (arg == "--key-status") {
            const std::string v = next();
            const auto eq = v.rfind('=');
            if (eq == std::string::npos || eq == 0) usage_error("--key-status expects KEY=STATUS");
            options.status_for_key[v.substr(0, eq)] =
                static_cast<int>(parse_number(arg, v.substr(eq + 1), 400, 599));
        } else if (arg == "--tls-self-signed" && !has_value) {
            tls = true;
        } else if (arg == "--tls-cert-out") {
            cert_out = next();
        } else {
            usage_error("unknown argument '" + std::string(argv[i]) + "'");
        }
    }

    // Block the stop signals before any thread starts; the main thread waits for them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        if (tls) {
            auto pair = llm_mock::generate_self_signed("localhost");
            if (!cert_out.empty()) {
                std::ofstream out(cert_out, std::ios::binary | std::ios::trunc);
                out << pair.cert_pem;
                if (!out) throw std::runtime_error("cannot write " + cert_out);
            }
            options.tls_cert_pem = std::move(pair.cert_pem);
            options.tls_key_pem = std::move(pair.key_pem);
        } else if (!cert_out.empty()) {
            usage_error("--tls-cert-out needs --tls-self-signed");
        }
        const std::string host = options.host;
        llm_mock::MockServer server(std::move(options));
        server.start();
        const bool v6 = host.find(':') != std::string::npos;
        std::printf("llm-mock listening on %s://%s%s%s:%u\n", tls ? "https" : "http",
                    v6 ? "[" : "", host.c_str(), v6 ? "]" : "", static_cast<unsigned>(server.port()));
        std::fflush(stdout);

        int sig = 0;
        while (sigwait(&signals, &sig) != 0) {
        }
        server.stop();
    } catch (const std::exception& e) {
        std::cerr << "llm-mock: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
