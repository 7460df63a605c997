// infergate: the daemon's command line. Loads and validates the config, starts the workers,
// reloads on SIGHUP and when the config files change, and drains on SIGTERM/SIGINT.
#include <sys/resource.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "infergate/config/loader.hpp"
#include "infergate/config/snapshot.hpp"
#include "infergate/net.hpp"
#include "infergate/observability/access_log.hpp"
#include "infergate/observability/metrics.hpp"
#include "infergate/server/config_reloader.hpp"
#include "infergate/server/config_watch.hpp"
#include "infergate/server/gateway.hpp"
#include "infergate/stages/auth/api_key.hpp"

namespace {

using namespace infergate;

constexpr std::string_view kDefaultConfig = "config/infergate.yaml";

void print_help() {
    std::cout << "infergate " INFERGATE_VERSION " - an OpenAI-compatible inference gateway\n\n"
                 "Usage:\n"
                 "  infergate [--config FILE]      run the gateway (default: config/infergate.yaml)\n"
                 "  infergate --check-config FILE  validate FILE, print every error, exit 0 if valid\n"
                 "  infergate hash-key             print the SHA-256 of a key read from stdin (for auth.keys)\n"
                 "  infergate gen-key [ID]         make a new key sk-ig-<ID>-<secret> and print it with its hash\n"
                 "  infergate --version            print the version\n"
                 "  infergate --help               print this help\n";
}

// Prints every config error; returns the config when there were none.
std::optional<config::Config> load_or_report(const std::string& path) {
    config::LoadResult result = config::load_from_file(path);
    for (const std::string& error : result.errors) std::cerr << error << '\n';
    if (!result.ok()) {
        std::cerr << fmt::format("{}: {} error{}; the configuration was rejected\n", path,
                                 result.errors.size(), result.errors.size() == 1 ? "" : "s");
        return std::nullopt;
    }
    return std::move(result.config);
}

int check_config(const std::string& path) {
    auto loaded = load_or_report(path);
    if (!loaded) return 1;
    observability::Metrics metrics;
    SnapshotBuild build = build_snapshot(std::move(*loaded), 1, metrics);
    for (const std::string& error : build.errors) std::cerr << error << '\n';
    if (!build.snapshot) return 1;
    std::cout << fmt::format("{}: configuration is valid ({} backends, {} models)\n", path,
                             build.snapshot->config.backends.size(),
                             build.snapshot->config.models.size());
    return 0;
}

// Reads a key from stdin (never from the command line: it would land in shell history and ps).
int hash_key() {
    std::string key;
    std::getline(std::cin, key);
    while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
    if (key.empty()) {
        std::cerr << "infergate hash-key: no key on standard input\n";
        return 1;
    }
    std::cout << auth::to_hex(auth::sha256_of(key)) << '\n';
    return 0;
}

int gen_key(std::string_view id) {
    std::string generated_id(id);
    if (generated_id.empty()) {  // a short random public id
        const std::string sample = auth::generate_key("x");
        generated_id = sample.substr(auth::kKeyPrefix.size() + 2, 8);
    }
    for (const char c : generated_id) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') {
            std::cerr << "infergate gen-key: ids are letters, digits, '_' or '.'\n";
            return 2;
        }
    }
    const std::string key = auth::generate_key(generated_id);
    std::cout << "key:    " << key << "\n"
              << "config: - { id: " << generated_id << ", sha256: \"" << auth::to_hex(auth::sha256_of(key))
              << "\" }\n"
              << "The key is shown once; the config needs only its sha256.\n";
    return 0;
}

// Thousands of client connections plus their upstream connections need as many descriptors:
// take the whole hard limit, as nginx's worker_rlimit_nofile would.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// SIGTERM's graceful part: no new connections, /readyz 503, and the requests in flight get
// until the deadline to finish; then the control loop ends and the gateway stops.
class Drain {
public:
    Drain(net::io_context& control, server::Gateway& gateway) : control_(control), gateway_(gateway), poll_(control) {}

    void start(std::chrono::steady_clock::duration timeout) {
        gateway_.begin_drain();
        deadline_ = std::chrono::steady_clock::now() + timeout;
        check();
    }

private:
    // Polled: in-flight requests live on the workers, and a 50 ms lag on exit costs nothing.
    void check() {
        const std::size_t left = gateway_.requests_in_flight();
        if (left == 0) {
            spdlog::info("drained: no request in flight");
            control_.stop();
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline_) {
            spdlog::warn("drain deadline reached with {} request{} in flight; closing them", left, left == 1 ? "" : "s");
            control_.stop();
            return;
        }
        poll_.expires_after(std::chrono::milliseconds(50));
        poll_.async_wait([this](const beast::error_code& ec) {
            if (!ec) check();
        });
    }

    net::io_context& control_;
    server::Gateway& gateway_;
    net::steady_timer poll_;
    std::chrono::steady_clock::time_point deadline_;
};

// "http://0.0.0.0:8080 and https://0.0.0.0:8443": the listeners, with the ports bound when
// given (port 0 in the config: the kernel's pick).
std::string listen_addresses(const config::ServerSettings& server, std::uint16_t port = 0, std::uint16_t tls_port = 0) {
    auto address = [](std::string_view scheme, const std::string& host, std::uint16_t bound) {
        const bool ipv6 = host.find(':') != std::string::npos;
        return fmt::format("{}://{}{}{}:{}", scheme, ipv6 ? "[" : "", host, ipv6 ? "]" : "", bound);
    };
    std::string text;
    if (server.plain_listener) text = address("http", server.listen_host, port != 0 ? port : server.listen_port);
    if (server.tls) {
        if (!text.empty()) text += " and ";
        text += address("https", server.tls->listen_host, tls_port != 0 ? tls_port : server.tls->listen_port);
    }
    return text;
}

int run(const std::string& path) {
    raise_descriptor_limit();
    auto loaded = load_or_report(path);
    if (!loaded) return 1;
    observability::configure_process_log(loaded->log.level);
    observability::Metrics metrics;
    SnapshotBuild build = build_snapshot(std::move(*loaded), 1, metrics);
    for (const std::string& error : build.errors) std::cerr << error << '\n';
    if (!build.snapshot) return 1;
    const SnapshotPtr snapshot = build.snapshot;

    std::shared_ptr<const observability::AccessLog> access_log;
    try {
        access_log = std::make_shared<const observability::AccessLog>(snapshot->config.log);
    } catch (const std::exception& error) {
        std::cerr << "infergate: " << error.what() << '\n';
        return 1;
    }
    server::Gateway gateway(snapshot, metrics, access_log);
    try {
        gateway.start();
    } catch (const std::exception& error) {
        std::cerr << fmt::format("infergate: cannot listen on {}: {}\n", listen_addresses(snapshot->config.server),
                                 error.what());
        return 1;
    }
    // Every reload runs on the control thread: SIGHUP's, the file watch's and
    // POST /admin/reload's (handed over by its worker). A reload never runs on a worker.
    // Signal handlers are in place before the "listening" line: a SIGHUP sent as soon as the
    // port is announced must reload, not kill the process with the default action.
    net::io_context control;
    server::ConfigReloader reloader(gateway, path, control.get_executor());
    server::ConfigWatch watch(control, reloader);
    reloader.on_success([&watch](const config::Config& config) { watch.watch(config); });
    watch.watch(snapshot->config);
    gateway.set_reloader(&reloader);
    net::signal_set hangups(control, SIGHUP);
    net::signal_set stops(control, SIGINT, SIGTERM);

    std::string models;
    for (const auto& [name, model] : snapshot->config.models) {
        models += models.empty() ? name : ", " + name;
    }
    const auto& server = snapshot->config.server;
    spdlog::info("infergate {} listening on {} with {} workers; models: {}", INFERGATE_VERSION,
                 listen_addresses(server, gateway.port(), gateway.tls_port()),
                 server.workers == 0 ? std::max(1u, std::thread::hardware_concurrency()) : server.workers,
                 models);
    if (const auto& tls = snapshot->tls_server) {
        spdlog::info("HTTPS certificate serial {} expires {:%Y-%m-%d %H:%M:%S} UTC", tls->serial(),
                     fmt::gmtime(static_cast<std::time_t>(tls->not_after())));
    }

    if (!snapshot->config.auth.enabled()) {
        spdlog::warn("auth is off (no keys configured): every client may call every model");
    }
    std::function<void()> await_hangup = [&] {
        hangups.async_wait([&](const beast::error_code& ec, int) {
            if (ec) return;
            spdlog::info("received SIGHUP, reloading {}", path);
            reloader.reload();
            await_hangup();
        });
    };
    await_hangup();
    Drain drain(control, gateway);
    stops.async_wait([&](const beast::error_code& ec, int signal) {
        if (ec) return;
        hangups.cancel();
        watch.stop();
        const auto timeout = gateway.current()->config.server.drain_timeout;
        spdlog::info("received signal {}, draining (up to {} ms; a second signal stops at once)", signal,
                     std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
        stops.async_wait([&](const beast::error_code& again, int second) {
            if (again) return;
            spdlog::warn("received signal {} while draining, stopping now", second);
            control.stop();
        });
        drain.start(timeout);
    });
    control.run();
    // A POST /admin/reload handed over just now holds its worker's coroutine: finish it
    // (the reload is quick) so the answer goes back before the workers are destroyed.
    gateway.set_reloader(nullptr);
    control.restart();
    control.poll();
    gateway.stop();
    spdlog::info("stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path(kDefaultConfig);
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_help();
            return 0;
        }
        if (arg == "hash-key" && argc == 2) return hash_key();
        if (arg == "gen-key" && argc <= 3) return gen_key(argc == 3 ? argv[2] : "");
        if (arg == "--version") {
            std::cout << "infergate " INFERGATE_VERSION "\n";
            return 0;
        }
        if ((arg == "--config" || arg == "--check-config") && i + 1 < argc) {
            config_path = argv[++i];
            if (arg == "--check-config") return check_config(config_path);
            continue;
        }
        std::cerr << "infergate: unknown or incomplete argument '" << arg << "'\n\n";
        print_help();
        return 2;
    }
    return run(config_path);
}
