// Typed scalar values with ${VAR} expansion. Each reader reports its own problem at the value
// and returns nullopt, so the caller simply keeps the default and carries on.
//
// Nothing that came from the environment is ever quoted in a message: a variable may hold a
// credential, even one referenced from the wrong key. Such values are shown as written
// ("${WORKERS}") instead.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "infergate/config/config.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

// Turns (part of) a value into its quoted form for a message.
using Quote = std::function<std::string(std::string_view)>;

// A string value after expansion, and how to quote it.
struct Text {
    std::string value;
    std::string written;  // the scalar as it appears in the file
    bool from_env = false;

    // `"part"` for a value written literally; for one with environment content, the value as
    // written plus a note, whatever part was asked for.
    std::string show(std::string_view part) const;
    Quote quote() const {
        return [this](std::string_view part) { return show(part); };
    }
};

std::optional<Text> read_text(const Context& ctx, const Field& field);
// The plain string. No message from here ever contains the value: safe for secrets.
std::optional<std::string> read_string(const Context& ctx, const Field& field);
// A string that must not be empty after expansion.
std::optional<std::string> read_nonempty_string(const Context& ctx, const Field& field);
// The path of a file read later (a CA bundle, a JWKS), checked now: a reload must fail, not a
// request. An unreadable file is reported and its path still returned.
std::optional<std::string> read_file_path(const Context& ctx, const Field& field);

std::optional<std::int64_t> read_integer(const Context& ctx, const Field& field, std::int64_t min,
                                         std::int64_t max);
std::optional<bool> read_bool(const Context& ctx, const Field& field);
// One of a fixed set of words; returns its index, or reports
// `unknown <what> "x" (expected a, b or c)`.
std::optional<std::size_t> read_choice(const Context& ctx, const Field& field, std::string_view what,
                                       std::initializer_list<std::string_view> options);
// A non-negative decimal ("0.15", "5") as millionths: prices and budgets stay exact integers.
std::optional<std::int64_t> read_micros(const Context& ctx, const Field& field);
// A non-negative number (weights).
std::optional<double> read_number(const Context& ctx, const Field& field, double max);
// Sizes and durations must be greater than zero: nearly every one in the config is a limit.
// A tolerance (a clock-skew leeway) passes allow_zero.
std::optional<std::size_t> read_size(const Context& ctx, const Field& field);
std::optional<Duration> read_duration(const Context& ctx, const Field& field, bool allow_zero = false);

// The optional keys of a mapping: `out` keeps its default when the key is absent or invalid
// (the reader has reported why).
template <class T>
void integer_into(const Context& ctx, MapReader& map, std::string_view key, std::int64_t min, std::int64_t max,
                  T& out) {
    if (const auto field = map.take(key)) {
        if (const auto value = read_integer(ctx, *field, min, max)) out = static_cast<T>(*value);
    }
}
inline void micros_into(const Context& ctx, MapReader& map, std::string_view key, std::int64_t& out) {
    if (const auto field = map.take(key)) {
        if (const auto value = read_micros(ctx, *field)) out = *value;
    }
}
inline void size_into(const Context& ctx, MapReader& map, std::string_view key, std::size_t& out) {
    if (const auto field = map.take(key)) {
        if (const auto value = read_size(ctx, *field)) out = *value;
    }
}
inline void duration_into(const Context& ctx, MapReader& map, std::string_view key, Duration& out) {
    if (const auto field = map.take(key)) {
        if (const auto value = read_duration(ctx, *field)) out = *value;
    }
}

}  // namespace infergate::config
