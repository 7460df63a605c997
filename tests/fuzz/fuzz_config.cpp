// The config loader on arbitrary text: it must return diagnostics, never throw or crash, and
// its messages must never show a value that came from the environment (it may be a key).
// The environment is faked (no getenv); the only file access left is the tls.ca_file check.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "infergate/config/loader.hpp"
#include "infergate/json/scanner.hpp"

namespace {

using namespace infergate;

// ${U...} is unset, ${D...} holds digits, anything else a secret. `variant` changes the
// values but not their shape, so a valid config stays valid and an error stays the same
// error: only a message that quotes an environment value can differ between the two.
config::EnvLookup fake_env(char variant) {
    return [variant](std::string_view name) -> std::optional<std::string> {
        if (name.starts_with('U')) return std::nullopt;
        if (name.starts_with('D')) return std::string(4, variant == 'A' ? '1' : '2');
        return "sk-canary-" + std::string(8, variant);
    };
}

void check_messages(const config::LoadResult& result) {
    FUZZ_REQUIRE(result.ok() == result.config.has_value());
    for (const std::string& message : result.errors) {
        FUZZ_REQUIRE(message.starts_with("fuzz.yaml"));
        // Messages go to logs and terminals: valid UTF-8, no control characters.
        std::string quoted;
        json::append_quoted(quoted, message);
        FUZZ_REQUIRE(!json::validate(quoted, 1));
        FUZZ_REQUIRE(std::none_of(message.begin(), message.end(), [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return byte < 0x20 || byte == 0x7F;
        }));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view yaml(reinterpret_cast<const char*>(data), size);
    // An exception escaping here is reported by libFuzzer (and the replay) as a crash.
    const config::LoadResult a = config::load_from_string(yaml, "fuzz.yaml", fake_env('A'));
    check_messages(a);
    const config::LoadResult b = config::load_from_string(yaml, "fuzz.yaml", fake_env('B'));
    FUZZ_REQUIRE(a.errors == b.errors);
    return 0;
}
