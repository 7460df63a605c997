#include "support/replicas.hpp"

#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace infergate::testing {

std::unique_ptr<llm_mock::MockServer> start_replica(llm_mock::Options options) {
    options.record = true;
    auto mock = std::make_unique<llm_mock::MockServer>(std::move(options));
    mock->start();
    return mock;
}

std::size_t requests_seen(const llm_mock::MockServer& mock) { return mock.requests().size(); }

std::vector<std::string> models_seen(const llm_mock::MockServer& mock) {
    std::vector<std::string> models;
    for (const llm_mock::RecordedRequest& request : mock.requests()) {
        models.push_back(answered_model(request.body));
    }
    return models;
}

std::string backend_entry(const std::string& name, const llm_mock::MockServer& mock,
                          const std::string& extra) {
    return fmt::format("  {}:\n    url: \"http://127.0.0.1:{}\"\n    provider: openai\n"
                       "    api_key: \"${{TEST_BACKEND_KEY}}\"\n{}{}",
                       name, mock.port(), extra, extra.empty() || extra.back() == '\n' ? "" : "\n");
}

std::string routing_config(const std::string& backends, const std::string& models,
                           const std::string& rest) {
    return fmt::format(R"(server:
  listen: "127.0.0.1:0"
  workers: 2
log:
  level: warn
  access_log: {{ format: json }}
backends:
{}
models:
{}
{}
)",
                       backends, models, rest);
}

std::vector<unsigned> send_from_threads(std::size_t count, std::size_t threads,
                                        const std::function<unsigned(std::size_t)>& send) {
    std::vector<unsigned> results(count);
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (std::size_t i = t; i < count; i += threads) results[i] = send(i);
        });
    }
    for (std::thread& thread : pool) thread.join();
    return results;
}

std::optional<double> metric(const std::string& exposition, const std::string& name,
                             const std::map<std::string, std::string>& labels) {
    // prometheus-cpp writes labels sorted by name, as a std::map iterates them.
    std::string series = name + "{";
    bool first = true;
    for (const auto& [label, value] : labels) {
        series += fmt::format("{}{}=\"{}\"", first ? "" : ",", label, value);
        first = false;
    }
    series += "} ";
    const std::size_t at = exposition.find("\n" + series);
    if (at == std::string::npos) return std::nullopt;
    return std::strtod(exposition.c_str() + at + 1 + series.size(), nullptr);
}

std::string answered_model(const std::string& body) {
    const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("model") || !parsed["model"].is_string()) return "";
    return parsed["model"].get<std::string>();
}

}  // namespace infergate::testing
