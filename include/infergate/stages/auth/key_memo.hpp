// The API key a client connection last authenticated with, so that the keep-alive requests
// that follow it skip hashing the key again. One per connection, never shared: it holds the
// presented bytes no longer than the connection that sent them, and wipes them when they
// change or the connection ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace infergate::auth {

struct RegisteredKey;

class KeyMemo {
public:
    KeyMemo() = default;
    KeyMemo(const KeyMemo&) = delete;
    KeyMemo& operator=(const KeyMemo&) = delete;
    ~KeyMemo() { forget(); }

    // The key remembered for `presented` in the snapshot of `generation`, or null. Generations
    // are never reused, so a key of an older snapshot (perhaps freed) is never returned.
    const RegisteredKey* recall(std::uint64_t generation, std::string_view presented) const noexcept;
    void remember(std::uint64_t generation, std::string_view presented, const RegisteredKey* key);

private:
    void forget() noexcept;

    std::uint64_t generation_ = 0;  // 0: empty (snapshots start at 1)
    std::string presented_;
    const RegisteredKey* key_ = nullptr;
};

}  // namespace infergate::auth
