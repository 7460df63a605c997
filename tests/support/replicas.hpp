// Helpers for routing tests on real sockets: recording llm-mocks standing in for the replicas
// of a model, the YAML that names them as backends, requests sent from several client threads,
// and single values read back from /metrics.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mock_server.hpp"

namespace infergate::testing {

// A started llm-mock that records every request (`options.record` is forced on).
std::unique_ptr<llm_mock::MockServer> start_replica(llm_mock::Options options = {});

// How many requests `mock` has received so far.
std::size_t requests_seen(const llm_mock::MockServer& mock);

// The "model" of each request body `mock` received, in order.
std::vector<std::string> models_seen(const llm_mock::MockServer& mock);

// A backend entry "  <name>:" pointing at `mock`, authenticated with the backend canary key;
// `extra` lines (already indented by 4 spaces) are appended inside it.
std::string backend_entry(const std::string& name, const llm_mock::MockServer& mock,
                          const std::string& extra = "");

// A complete gateway config: `backends` and `models` are the bodies of those two mappings
// (entries indented by 2 spaces); `rest` is appended at top level (e.g. a routing section).
std::string routing_config(const std::string& backends, const std::string& models,
                           const std::string& rest = "");

// Calls `send(i)` for every i in [0, count), spread over `threads` client threads; returns
// what each call returned, by i.
std::vector<unsigned> send_from_threads(std::size_t count, std::size_t threads,
                                        const std::function<unsigned(std::size_t)>& send);

// The value of the series `name{labels}` in a Prometheus text exposition (labels given in
// any order), or nothing if the series is absent.
std::optional<double> metric(const std::string& exposition, const std::string& name,
                             const std::map<std::string, std::string>& labels);

// The "model" field of a JSON response body ("" if absent or not JSON).
std::string answered_model(const std::string& body);

}  // namespace infergate::testing
