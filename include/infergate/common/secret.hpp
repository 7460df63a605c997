// A credential that must never reach a log, a metric or an error body. Its only printable
// form is a redacted fingerprint; the plaintext is reachable through reveal() alone.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace infergate {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}

    bool empty() const noexcept { return value_.empty(); }
    // The plaintext, for the one place that writes it on the wire (an upstream header).
    const std::string& reveal() const noexcept { return value_; }
    // "<redacted:3f9a>": a short non-reversible fingerprint, enough to tell two keys apart.
    std::string redacted() const;

    friend bool operator==(const Secret&, const Secret&) = default;

private:
    std::string value_;
};

}  // namespace infergate

template <>
struct fmt::formatter<infergate::Secret> : fmt::formatter<std::string_view> {
    auto format(const infergate::Secret& secret, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(secret.redacted(), ctx);
    }
};
