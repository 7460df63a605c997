#include "infergate/stages/quota/windows.hpp"

#include <algorithm>

namespace infergate::quota {
namespace {

// a * b / c (c > 0) in 64-bit arithmetic when the product fits, which it nearly always does:
// a 128-bit division is a libgcc call several times slower, and this runs a dozen times per
// request.
__int128 mul_div(std::int64_t a, std::int64_t b, std::int64_t c) noexcept {
    std::int64_t product;
    if (!__builtin_mul_overflow(a, b, &product)) return product / c;
    return static_cast<__int128>(a) * b / c;
}

// cost * period / limit without overflow (cost and period can both be large), at most 2^62
// nanoseconds (146 years): added to a steady-clock time it still fits.
Nanos increment(std::int64_t cost, std::int64_t limit, Nanos period) noexcept {
    const __int128 exact = mul_div(cost, period, limit);
    constexpr Nanos kMax = Nanos{1} << 62;
    return exact > kMax ? kMax : exact < -kMax ? -kMax : static_cast<Nanos>(exact);
}

}  // namespace

Nanos RollingWindow::after(std::int64_t cost, std::int64_t limit, Nanos period, Nanos now) const noexcept {
    return std::max(tat, now) + increment(cost, limit, period);
}

bool RollingWindow::fits(std::int64_t cost, std::int64_t limit, Nanos period, Nanos now) const noexcept {
    return std::max(tat, now) + increment(cost, limit, period) - now <= period;
}

void RollingWindow::charge(std::int64_t cost, std::int64_t limit, Nanos period, Nanos now) noexcept {
    tat = std::max(tat, now) + increment(cost, limit, period);
}

void RollingWindow::adjust(std::int64_t delta, std::int64_t limit, Nanos period, Nanos now) noexcept {
    const Nanos change = delta >= 0 ? increment(delta, limit, period) : -increment(-delta, limit, period);
    tat = std::max(std::max(tat, now) + change, now);
}

std::int64_t RollingWindow::remaining(std::int64_t limit, Nanos period, Nanos now) const noexcept {
    const Nanos backlog = std::max<Nanos>(tat - now, 0);
    if (backlog >= period) return 0;
    // floor((period - backlog) * limit / period) is limit - ceil(backlog * limit / period), whose
    // product stays small while the window is far from full: large limits (a billion tokens a
    // minute) overflow the first product and would pay for a 128-bit division on every request.
    if (std::int64_t used; !__builtin_mul_overflow(backlog, limit, &used)) {
        return limit - (used / period + (used % period != 0 ? 1 : 0));
    }
    return static_cast<std::int64_t>(mul_div(period - backlog, limit, period));
}

Nanos RollingWindow::until_full(Nanos now) const noexcept { return std::max<Nanos>(tat - now, 0); }

Nanos RollingWindow::until_fits(std::int64_t cost, std::int64_t limit, Nanos period,
                                Nanos now) const noexcept {
    const Nanos needed = std::max(tat, now) + increment(cost, limit, period) - period;
    if (increment(cost, limit, period) > period) return period;
    return std::max<Nanos>(needed - now, 0);
}

}  // namespace infergate::quota
