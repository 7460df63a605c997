#include "infergate/stages/quota/rate_limit_headers.hpp"

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace infergate::quota {

namespace {

// Every answer to a limited caller carries six of these lines, written into one stack buffer
// and appended to the headers at once. Each writer takes the position and returns the next:
// a position kept in memory (a member) would be reloaded after every byte stored, as a char
// store may alias it.

// Literals: their length is known here, so the copy is a few moves, not a call to memcpy.
template <std::size_t N>
char* put(char* at, const char (&literal)[N]) noexcept {
    std::memcpy(at, literal, N - 1);
    return at + N - 1;
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

std::size_t digit_count(std::uint64_t value) noexcept {
    if (value < 10) return 1;
    static constexpr std::uint64_t kPowers[] = {
        1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
        1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
        100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
        1000000000000000000ULL, 10000000000000000000ULL};
    // log10 from the bit length (1233 / 4096 ~ log10(2)), one short at most: the table says.
    const auto approx = static_cast<std::size_t>((64 - __builtin_clzll(value)) * 1233 >> 12);
    return approx + (value >= kPowers[approx] ? 1 : 0);
}

// The digits of `value`, ending just before `end`, two per step from the last.
template <class Unsigned>
void write_digits_before(char* end, Unsigned value) noexcept {
    while (value >= 100) {
        end -= 2;
        std::memcpy(end, kDigitPairs + value % 100 * 2, 2);
        value /= 100;
    }
    if (value >= 10) {
        std::memcpy(end - 2, kDigitPairs + value * 2, 2);
    } else {
        end[-1] = static_cast<char>('0' + value);
    }
}

// Decimal, written in place: formatting into a temporary and copying it cost a call to memcpy
// per number, nine numbers a request.
char* put(char* at, std::int64_t value) noexcept {
    std::uint64_t magnitude = static_cast<std::uint64_t>(value);
    if (value < 0) {
        *at++ = '-';
        magnitude = 0 - magnitude;
    }
    char* const end = at + digit_count(magnitude);
    // Limits and what remains of them nearly always fit 32 bits, whose division by 100 is a
    // multiply and a shift (64 bits need a 128-bit product).
    if (magnitude <= UINT32_MAX) {
        write_digits_before(end, static_cast<std::uint32_t>(magnitude));
    } else {
        write_digits_before(end, magnitude);
    }
    return end;
}

char* put_reset(char* at, std::chrono::nanoseconds reset) noexcept {
    using namespace std::chrono;
    if (reset < seconds(1)) {
        at = put(at, static_cast<std::int64_t>(ceil<milliseconds>(reset).count()));
        return put(at, "ms");
    }
    const auto total = static_cast<std::int64_t>(ceil<seconds>(reset).count());
    const auto hours = total / 3600;
    const auto minutes = total % 3600 / 60;
    if (hours > 0) {
        at = put(at, hours);
        *at++ = 'h';
    }
    if (hours > 0 || minutes > 0) {
        at = put(at, minutes);
        *at++ = 'm';
    }
    at = put(at, total % 60);
    *at++ = 's';
    return at;
}

// A limit is a configured figure, the same on nearly every answer of a thread: its digits are
// kept from the last time (per header) and copied, 24 bytes at once, instead of recomputed.
struct LimitDigits {
    std::int64_t value = -1;
    std::uint8_t size = 0;
    char text[24];  // 20 digits and a sign at most

    char* put(char* at, std::int64_t limit) noexcept {
        if (limit != value) {
            value = limit;
            size = static_cast<std::uint8_t>(quota::put(text, limit) - text);
        }
        std::memcpy(at, text, sizeof text);  // the buffer has room: the bytes past `size` are overwritten next
        return at + size;
    }
};
thread_local LimitDigits requests_limit_digits, tokens_limit_digits;

// `what` is "requests" or "tokens". At most ~200 bytes: names up to 32, values up to 20.
template <std::size_t N>
char* put_trio(char* at, const char (&what)[N], const RateInfo& info, LimitDigits& limit_digits) noexcept {
    if (!info.present) return at;
    at = put(at, "x-ratelimit-limit-");
    at = put(at, what);
    at = put(at, ": ");
    at = limit_digits.put(at, info.limit);
    at = put(at, "\r\nx-ratelimit-remaining-");
    at = put(at, what);
    at = put(at, ": ");
    at = put(at, info.remaining);
    at = put(at, "\r\nx-ratelimit-reset-");
    at = put(at, what);
    at = put(at, ": ");
    at = put_reset(at, info.reset);
    return put(at, "\r\n");
}

std::string_view describe(LimitKind kind) {
    switch (kind) {
        case LimitKind::requests_per_minute: return "requests per minute";
        case LimitKind::requests_per_day: return "requests per day";
        case LimitKind::tokens_per_minute: return "tokens per minute";
        case LimitKind::tokens_per_day: return "tokens per day";
        case LimitKind::concurrency: return "concurrent requests";
        case LimitKind::budget_per_day: return "USD budget per day";
        case LimitKind::budget_per_month: return "USD budget per month";
        case LimitKind::tokens_per_week: return "tokens per week";
        case LimitKind::tokens_per_month: return "tokens per month";
        case LimitKind::budget_per_week: return "USD budget per week";
        case LimitKind::max_stream_tokens: return "tokens in one stream";
    }
    return "limit";
}

}  // namespace

std::string format_reset(std::chrono::nanoseconds reset) {
    char text[64];
    return std::string(text, put_reset(text, reset));
}

bool is_budget(LimitKind kind) noexcept {
    return kind == LimitKind::budget_per_day || kind == LimitKind::budget_per_week ||
           kind == LimitKind::budget_per_month;
}

void append_rate_limit_headers(std::string& out, const Admission& admission) {
    char lines[512];
    char* end = put_trio(lines, "requests", admission.requests, requests_limit_digits);
    end = put_trio(end, "tokens", admission.tokens, tokens_limit_digits);
    out.append(lines, end);
}

std::int64_t retry_after_seconds(std::chrono::nanoseconds wait) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
    return seconds < 1 ? 1 : seconds;
}

std::string refusal_message(const Refusal& refusal, std::string_view model, std::int64_t limit) {
    // scope is "key:<id>" or "tenant:<name>": shown as `key 'id'`.
    const auto colon = refusal.scope.find(':');
    const std::string who = fmt::format("{} '{}'", refusal.scope.substr(0, colon), refusal.scope.substr(colon + 1));
    const std::string where = refusal.per_model ? fmt::format(" for model '{}'", model) : "";
    const std::string limit_text =
        is_budget(refusal.kind) ? fmt::format("{:.6f} USD", static_cast<double>(limit) / 1e6) : std::to_string(limit);
    if (refusal.never_fits) {
        return fmt::format("Request too large for {}{}: it exceeds the limit on {} ({}) by itself.", who, where,
                           describe(refusal.kind), limit_text);
    }
    const char* what = is_budget(refusal.kind) ? "Budget exhausted" : "Rate limit reached";
    return fmt::format("{} for {}{} on {}: limit {}. Please try again in {}.", what, who, where,
                       describe(refusal.kind), limit_text, format_reset(refusal.retry_after));
}

}  // namespace infergate::quota
