#include "infergate/stages/quota/rate_limit_headers.hpp"

#include <fmt/format.h>

namespace infergate::quota {

namespace {

// Plain appends of fmt::format_int: this runs three times on every answer to a limited caller.
void append_reset(std::string& out, std::chrono::nanoseconds reset) {
    using namespace std::chrono;
    if (reset < seconds(1)) {
        out.append(fmt::format_int(ceil<milliseconds>(reset).count()).c_str()).append("ms");
        return;
    }
    const auto total = ceil<seconds>(reset).count();
    const auto hours = total / 3600;
    const auto minutes = total % 3600 / 60;
    if (hours > 0) out.append(fmt::format_int(hours).c_str()).push_back('h');
    if (hours > 0 || minutes > 0) out.append(fmt::format_int(minutes).c_str()).push_back('m');
    out.append(fmt::format_int(total % 60).c_str()).push_back('s');
}

// On every answer to a limited caller: plain appends, no format-string parsing.
void append_header(std::string& out, std::string_view name, std::string_view what, std::string_view value) {
    out.append(name).append(what).append(": ").append(value).append("\r\n");
}

void append_trio(std::string& out, std::string_view what, const RateInfo& info) {
    if (!info.present) return;
    append_header(out, "x-ratelimit-limit-", what, fmt::format_int(info.limit).c_str());
    append_header(out, "x-ratelimit-remaining-", what, fmt::format_int(info.remaining).c_str());
    out.append("x-ratelimit-reset-").append(what).append(": ");
    append_reset(out, info.reset);
    out.append("\r\n");
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
    std::string out;
    append_reset(out, reset);
    return out;
}

bool is_budget(LimitKind kind) noexcept {
    return kind == LimitKind::budget_per_day || kind == LimitKind::budget_per_week ||
           kind == LimitKind::budget_per_month;
}

void append_rate_limit_headers(std::string& out, const Admission& admission) {
    append_trio(out, "requests", admission.requests);
    append_trio(out, "tokens", admission.tokens);
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
