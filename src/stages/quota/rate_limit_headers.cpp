#include "infergate/stages/quota/rate_limit_headers.hpp"

#include <cstring>

#include <fmt/format.h>

namespace infergate::quota {

namespace {

// Every answer to a limited caller carries six of these lines: they are written into one
// stack buffer with memcpy and fmt::format_int, then appended to the headers at once.
class HeaderWriter {
public:
    // Literals: their length is known here, so the copy is a few moves, not a call to memcpy
    // (twelve of those a request showed under callgrind).
    template <std::size_t N>
    void put(const char (&literal)[N]) noexcept {
        std::memcpy(end_, literal, N - 1);
        end_ += N - 1;
    }
    void put(std::string_view text) noexcept {
        std::memcpy(end_, text.data(), text.size());
        end_ += text.size();
    }
    void put(std::int64_t value) noexcept {
        const fmt::format_int digits(value);
        put(std::string_view(digits.data(), digits.size()));
    }
    void put(char c) noexcept { *end_++ = c; }
    std::string_view text() const noexcept { return {buffer_, static_cast<std::size_t>(end_ - buffer_)}; }

private:
    // Six lines of at most ~70 bytes (names up to 32, values up to 20 digits).
    char buffer_[512];
    char* end_ = buffer_;
};

void put_reset(HeaderWriter& out, std::chrono::nanoseconds reset) {
    using namespace std::chrono;
    if (reset < seconds(1)) {
        out.put(static_cast<std::int64_t>(ceil<milliseconds>(reset).count()));
        out.put("ms");
        return;
    }
    const auto total = static_cast<std::int64_t>(ceil<seconds>(reset).count());
    const auto hours = total / 3600;
    const auto minutes = total % 3600 / 60;
    if (hours > 0) {
        out.put(hours);
        out.put('h');
    }
    if (hours > 0 || minutes > 0) {
        out.put(minutes);
        out.put('m');
    }
    out.put(total % 60);
    out.put('s');
}

// `what` is "requests" or "tokens".
template <std::size_t N>
void put_trio(HeaderWriter& out, const char (&what)[N], const RateInfo& info) {
    if (!info.present) return;
    out.put("x-ratelimit-limit-");
    out.put(what);
    out.put(": ");
    out.put(info.limit);
    out.put("\r\nx-ratelimit-remaining-");
    out.put(what);
    out.put(": ");
    out.put(info.remaining);
    out.put("\r\nx-ratelimit-reset-");
    out.put(what);
    out.put(": ");
    put_reset(out, info.reset);
    out.put("\r\n");
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
    HeaderWriter out;
    put_reset(out, reset);
    return std::string(out.text());
}

bool is_budget(LimitKind kind) noexcept {
    return kind == LimitKind::budget_per_day || kind == LimitKind::budget_per_week ||
           kind == LimitKind::budget_per_month;
}

void append_rate_limit_headers(std::string& out, const Admission& admission) {
    HeaderWriter lines;
    put_trio(lines, "requests", admission.requests);
    put_trio(lines, "tokens", admission.tokens);
    out.append(lines.text());
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
