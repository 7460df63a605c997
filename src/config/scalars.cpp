#include "scalars.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "env_expand.hpp"
#include "file_io.hpp"
#include "units.hpp"

namespace infergate::config {

namespace {

// The scalar after expansion, or nullopt once the problem is reported.
// `expected` completes "expected ..., got a mapping".
std::optional<Text> expanded_text(const Context& ctx, const Field& field,
                                  std::string_view expected) {
    if (!field.node.IsScalar()) {
        ctx.error(field.value_at(), field.path,
                  fmt::format("expected {}, got {}", expected, kind_of(field.node)));
        return std::nullopt;
    }
    Expansion expansion = expand_env(field.node.Scalar(), ctx.env);
    for (std::string& message : expansion.errors) {
        ctx.error(field.value_at(), field.path, std::move(message));
    }
    if (!expansion.ok()) return std::nullopt;
    return Text{std::move(expansion.value), field.node.Scalar(), expansion.substituted};
}

std::string got(const Text& text) { return "got " + text.show(text.value); }

}  // namespace

std::string Text::show(std::string_view part) const {
    if (!from_env) return config::quoted(part);
    return config::quoted(written) + " (value from the environment not shown)";
}

std::optional<Text> read_text(const Context& ctx, const Field& field) {
    return expanded_text(ctx, field, "a string");
}

std::optional<std::string> read_string(const Context& ctx, const Field& field) {
    std::optional<Text> text = read_text(ctx, field);
    if (!text) return std::nullopt;
    return std::move(text->value);
}

std::optional<std::string> read_nonempty_string(const Context& ctx, const Field& field) {
    std::optional<std::string> text = read_string(ctx, field);
    if (text && text->empty()) {
        ctx.error(field.value_at(), field.path, "must not be empty");
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_file_path(const Context& ctx, const Field& field) {
    std::optional<std::string> path = read_nonempty_string(ctx, field);
    if (!path) return std::nullopt;
    if (std::string error = check_readable(*path); !error.empty()) {
        ctx.error(field.value_at(), field.path, std::move(error));
    }
    return path;
}

std::optional<std::int64_t> read_integer(const Context& ctx, const Field& field, std::int64_t min,
                                         std::int64_t max) {
    const std::optional<Text> text = expanded_text(ctx, field, "an integer");
    if (!text) return std::nullopt;
    const std::string& digits = text->value;
    std::int64_t value = 0;
    const char* const end = digits.data() + digits.size();
    // from_chars takes no '+'; YAML writers rarely emit one, so refusing it is fine.
    const auto [stop, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || stop != end ||
        (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        ctx.error(field.value_at(), field.path, "expected an integer, " + got(*text));
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range) {
        ctx.error(field.value_at(), field.path, "number is too large, " + got(*text));
        return std::nullopt;
    }
    if (value < min || value > max) {
        const bool low = value < min;
        ctx.error(field.value_at(), field.path,
                  fmt::format("must be at {} {}, {}", low ? "least" : "most", low ? min : max,
                              got(*text)));
        return std::nullopt;
    }
    return value;
}

std::optional<bool> read_bool(const Context& ctx, const Field& field) {
    const std::optional<Text> found = expanded_text(ctx, field, "true or false");
    if (!found) return std::nullopt;
    const std::string& text = found->value;
    // YAML 1.2 booleans only: "yes"/"on" were YAML 1.1 and surprise people ("NO" is Norway).
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    ctx.error(field.value_at(), field.path, "expected true or false, " + got(*found));
    return std::nullopt;
}

std::optional<std::size_t> read_choice(const Context& ctx, const Field& field, std::string_view what,
                                       std::initializer_list<std::string_view> options) {
    const auto text = read_text(ctx, field);
    if (!text) return std::nullopt;
    std::string expected;
    std::size_t index = 0;
    for (const std::string_view option : options) {
        if (text->value == option) return index;
        if (index > 0) expected += index + 1 == options.size() ? " or " : ", ";
        expected += option;
        ++index;
    }
    ctx.error(field.value_at(), field.path,
              fmt::format("unknown {} {} (expected {})", what, text->show(text->value), expected));
    return std::nullopt;
}

std::optional<std::int64_t> read_micros(const Context& ctx, const Field& field) {
    const std::optional<Text> text = expanded_text(ctx, field, "a number like 0.15");
    if (!text) return std::nullopt;
    const std::string& digits = text->value;
    const std::size_t dot = digits.find('.');
    const std::string whole = digits.substr(0, dot);
    std::string fraction = dot == std::string::npos ? "" : digits.substr(dot + 1);
    const auto all_digits = [](const std::string& part) {
        return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (whole.empty() || !all_digits(whole) || !all_digits(fraction) ||
        (dot != std::string::npos && fraction.empty())) {
        ctx.error(field.value_at(), field.path, "expected a non-negative number like 0.15, " + got(*text));
        return std::nullopt;
    }
    if (fraction.size() > 6 || whole.size() > 9) {
        ctx.error(field.value_at(), field.path,
                  "at most 9 digits before and 6 after the decimal point, " + got(*text));
        return std::nullopt;
    }
    fraction.resize(6, '0');
    return std::stoll(whole) * 1'000'000 + std::stoll(fraction);
}

std::optional<double> read_number(const Context& ctx, const Field& field, double max) {
    const std::optional<Text> text = expanded_text(ctx, field, "a number");
    if (!text) return std::nullopt;
    double value = 0;
    const char* const end = text->value.data() + text->value.size();
    const auto [stop, ec] = std::from_chars(text->value.data(), end, value);
    if (text->value.empty() || stop != end || ec != std::errc{} || !(value >= 0) || value > max) {
        ctx.error(field.value_at(), field.path,
                  fmt::format("expected a number from 0 to {}, {}", max, got(*text)));
        return std::nullopt;
    }
    return value;
}

std::optional<std::size_t> read_size(const Context& ctx, const Field& field) {
    const std::optional<Text> text = expanded_text(ctx, field, "a size like 10MiB");
    if (!text) return std::nullopt;
    std::uint64_t bytes = 0;
    switch (parse_size(text->value, bytes)) {
        case UnitParse::malformed:
            ctx.error(field.value_at(), field.path, "expected a size like 10MiB, " + got(*text));
            return std::nullopt;
        case UnitParse::too_large:
            ctx.error(field.value_at(), field.path, "size is too large, " + got(*text));
            return std::nullopt;
        case UnitParse::ok:
            break;
    }
    if (bytes == 0) {
        ctx.error(field.value_at(), field.path, "must be greater than 0");
        return std::nullopt;
    }
    static_assert(sizeof(std::size_t) >= sizeof(std::uint64_t));
    return static_cast<std::size_t>(bytes);
}

std::optional<Duration> read_duration(const Context& ctx, const Field& field, bool allow_zero) {
    const std::optional<Text> text = expanded_text(ctx, field, "a duration like 30s");
    if (!text) return std::nullopt;
    Duration duration{};
    switch (parse_duration(text->value, duration)) {
        case UnitParse::malformed:
            ctx.error(field.value_at(), field.path, "expected a duration like 30s, " + got(*text));
            return std::nullopt;
        case UnitParse::too_large:
            ctx.error(
                field.value_at(), field.path,
                fmt::format("duration is too large (at most {}h), {}",
                            std::chrono::duration_cast<std::chrono::hours>(max_duration).count(),
                            got(*text)));
            return std::nullopt;
        case UnitParse::ok:
            break;
    }
    if (duration.count() == 0 && !allow_zero) {
        ctx.error(field.value_at(), field.path, "must be greater than 0");
        return std::nullopt;
    }
    return duration;
}

}  // namespace infergate::config
