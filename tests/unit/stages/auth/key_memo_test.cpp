// A connection's key memo spares the hash on keep-alive requests, and must never answer for a
// key the current snapshot would refuse: another key, a reload that disables it, a new snapshot.
#include <gtest/gtest.h>

#include "infergate/config/snapshot.hpp"
#include "infergate/stages/auth/api_key.hpp"
#include "infergate/stages/auth/authenticator.hpp"
#include "infergate/stages/auth/key_memo.hpp"
#include "unit/config/config_test_support.hpp"

namespace infergate::auth {
namespace {

const std::string kKeyA = "sk-ig-a-" + std::string(43, 'A');
const std::string kKeyB = "sk-ig-b-" + std::string(43, 'B');

std::string key_line(const std::string& id, const std::string& key, bool enabled = true) {
    return "    - { id: " + id + ", sha256: \"" + to_hex(sha256_of(key)) + "\", enabled: " +
           (enabled ? "true" : "false") + " }\n";
}

SnapshotPtr build(const std::string& keys, observability::Metrics& metrics, const Snapshot* previous) {
    config::LoadResult loaded = config::testing::load(config::testing::with_routes("auth:\n  keys:\n" + keys));
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.errors);
    SnapshotBuild built =
        build_snapshot(std::move(*loaded.config), previous ? previous->generation + 1 : 1, metrics, previous);
    EXPECT_TRUE(built.errors.empty()) << ::testing::PrintToString(built.errors);
    return built.snapshot;
}

http::request_header<> bearer(const std::string& key) {
    http::request_header<> headers;
    headers.set(http::field::authorization, "Bearer " + key);
    return headers;
}

// The key id authenticate() settles on, or the error code.
std::string who(const Snapshot& snapshot, const std::string& key, KeyMemo& memo) {
    auto result = authenticate(bearer(key), snapshot, std::chrono::system_clock::now(), nullptr, &memo);
    if (auto* error = std::get_if<api::Error>(&result)) return "error:" + error->code;
    return std::string(std::get<Principal>(result).key_id);
}

TEST(KeyMemo, RemembersTheLastKeyAndAnswersOnlyForTheSameBytes) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(key_line("a", kKeyA) + key_line("b", kKeyB), metrics, nullptr);
    KeyMemo memo;
    EXPECT_EQ(memo.recall(snapshot->generation, kKeyA), nullptr);
    EXPECT_EQ(who(*snapshot, kKeyA, memo), "a");
    ASSERT_NE(memo.recall(snapshot->generation, kKeyA), nullptr);
    EXPECT_EQ(who(*snapshot, kKeyA, memo), "a");
    // Same length, one byte off: not the remembered key, and not any key.
    std::string near = kKeyA;
    near.back() = 'Z';
    EXPECT_EQ(memo.recall(snapshot->generation, near), nullptr);
    EXPECT_EQ(who(*snapshot, near, memo), "error:invalid_api_key");
    for (const std::size_t at : {std::size_t{0}, std::size_t{9}, kKeyA.size() - 4}) {  // in a word, in the tail
        std::string off = kKeyA;
        off[at] ^= 1;
        EXPECT_EQ(memo.recall(snapshot->generation, off), nullptr) << at;
    }
    EXPECT_EQ(who(*snapshot, kKeyB, memo), "b");  // another key on the same connection
    EXPECT_EQ(memo.recall(snapshot->generation, kKeyA), nullptr);
}

TEST(KeyMemo, ARefusedKeyIsNotRemembered) {
    observability::Metrics metrics;
    const SnapshotPtr snapshot = build(key_line("a", kKeyA), metrics, nullptr);
    KeyMemo memo;
    EXPECT_EQ(who(*snapshot, kKeyB, memo), "error:invalid_api_key");
    EXPECT_EQ(memo.recall(snapshot->generation, kKeyB), nullptr);
}

TEST(KeyMemo, ANewSnapshotLooksTheKeyUpAgain) {
    observability::Metrics metrics;
    const SnapshotPtr first = build(key_line("a", kKeyA) + key_line("b", kKeyB), metrics, nullptr);
    KeyMemo memo;
    EXPECT_EQ(who(*first, kKeyA, memo), "a");
    // Reloaded: key a disabled, key b removed.
    const SnapshotPtr second = build(key_line("a", kKeyA, false), metrics, first.get());
    EXPECT_EQ(memo.recall(second->generation, kKeyA), nullptr);
    EXPECT_EQ(who(*second, kKeyA, memo), "error:invalid_api_key");
    EXPECT_EQ(who(*first, kKeyB, memo), "b");
    EXPECT_EQ(who(*second, kKeyB, memo), "error:invalid_api_key");
}

}  // namespace
}  // namespace infergate::auth
