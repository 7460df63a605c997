// A strict, allocation-free JSON validator that reports the members of a top-level object as
// views into the original bytes. The data path uses it instead of building a DOM: the router
// needs a few fields, and the client's bytes go upstream unchanged (no lossy re-serialising).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace infergate::json {

enum class Kind : std::uint8_t { object, array, string, number, boolean, null };

struct Member {
    std::string_view key;        // raw bytes between the quotes; escapes are not decoded
    bool key_has_escapes = false;
    Kind kind = Kind::null;
    std::string_view value;      // the value's exact bytes (a string keeps its quotes)
};

struct ScanError {
    std::string message;         // e.g. "invalid UTF-8 in a string"
    std::size_t offset = 0;      // byte offset of the problem
};

inline constexpr std::size_t kMaxDepthLimit = 512;

// A non-owning callable reference: no allocation, unlike std::function.
class MemberSink {
public:
    template <class F>
    MemberSink(F& f) noexcept  // NOLINT: implicit on purpose
        : object_(&f), call_([](void* o, const Member& m) { (*static_cast<F*>(o))(m); }) {}
    void operator()(const Member& m) const { call_(object_, m); }

private:
    void* object_;
    void (*call_)(void*, const Member&);
};

// Validates that `text` is exactly one JSON object (RFC 8259; strict UTF-8 including escaped
// surrogates; nesting at most `max_depth`, capped at kMaxDepthLimit) and calls `sink` for each
// member of that object, in order. Nested containers are walked iteratively: a deep document
// cannot overflow the stack.
std::optional<ScanError> scan_object(std::string_view text, std::size_t max_depth,
                                     MemberSink sink);

// Validates `text` as one JSON value of any kind (used for nested checks and fuzzing).
std::optional<ScanError> validate(std::string_view text, std::size_t max_depth);

// Decodes a raw JSON string token (with its quotes, already validated) into UTF-8.
std::string decode_string(std::string_view token);
// Decodes a raw key (without quotes, as in Member::key).
std::string decode_key(const Member& member);

// An integer token within int64 range; nullopt for fractions, exponents or overflow.
std::optional<std::int64_t> parse_integer(std::string_view token);

// Appends `text` as a JSON string literal (quotes included) to `out`.
void append_quoted(std::string& out, std::string_view text);

}  // namespace infergate::json
