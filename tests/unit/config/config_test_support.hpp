// Shared helpers for the config loader tests: a fake environment and a one-call loader.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "infergate/config/loader.hpp"
#include "infergate/config/snapshot.hpp"

namespace infergate::config::testing {

using Env = std::map<std::string, std::string, std::less<>>;

// An EnvLookup over a fixed map, so tests never read or change the real environment.
inline EnvLookup fake_env(Env vars = {}) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        if (const auto it = vars.find(name); it != vars.end()) return it->second;
        return std::nullopt;
    };
}

inline LoadResult load(std::string_view yaml, Env vars = {}) {
    return load_from_string(yaml, "infergate.yaml", fake_env(std::move(vars)));
}

// The smallest valid tail: one backend, one model. Appended to snippets that test one section.
inline constexpr std::string_view minimal_routes = R"(backends:
  b: { url: "http://127.0.0.1:8090" }
models:
  m: { targets: [ { backend: b } ] }
)";

inline std::string with_routes(std::string_view head) {
    return std::string{head} + std::string{minimal_routes};
}

// The snapshot of a config that must be valid (a test failure names every error otherwise);
// `previous` lends its state as a reload's would.
inline SnapshotPtr snapshot_of(std::string_view yaml, observability::Metrics& metrics, const Snapshot* previous = nullptr,
                               std::uint64_t generation = 1) {
    LoadResult loaded = load(yaml);
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    if (!loaded.ok()) return nullptr;
    SnapshotBuild built = build_snapshot(std::move(*loaded.config), generation, metrics, previous);
    EXPECT_TRUE(built.errors.empty()) << ::testing::PrintToString(built.errors);
    return built.snapshot;
}

}  // namespace infergate::config::testing
