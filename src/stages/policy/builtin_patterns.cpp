// The built-in redaction patterns of redact.hpp: e-mail addresses, card numbers, IPv4.
#include "infergate/stages/policy/redact.hpp"

#include <cctype>

namespace infergate::policy {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_local_char(char c) { return is_alnum(c) || std::string_view("._%+-").find(c) != std::string_view::npos; }
bool is_domain_char(char c) { return is_alnum(c) || c == '.' || c == '-'; }

// local@domain.tld: scanned outwards from each '@'.
std::vector<Span> find_emails(std::string_view text) {
    std::vector<Span> spans;
    std::size_t floor = 0;  // the previous match's end: matches never overlap
    for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
        std::size_t begin = at;
        while (begin > floor && is_local_char(text[begin - 1])) --begin;
        std::size_t end = at + 1;
        while (end < text.size() && is_domain_char(text[end])) ++end;
        while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;  // sentence punctuation
        const std::string_view domain = text.substr(at + 1, end - at - 1);
        const std::size_t dot = domain.rfind('.');
        if (begin == at || dot == std::string_view::npos || dot == 0 || domain.size() - dot - 1 < 2) continue;
        bool tld_alpha = true;
        for (const char c : domain.substr(dot + 1)) tld_alpha = tld_alpha && std::isalpha(static_cast<unsigned char>(c));
        if (!tld_alpha) continue;
        spans.emplace_back(begin, end);
        floor = end;
        at = end - 1;
    }
    return spans;
}

bool luhn_valid(std::string_view digits) {
    int sum = 0;
    bool twice = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (twice && (d *= 2) > 9) d -= 9;
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

// 13 to 19 digits, optionally grouped by single spaces or dashes, not inside a longer number.
std::vector<Span> find_cards(std::string_view text) {
    std::vector<Span> spans;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_digit(text[i]) || (i > 0 && is_alnum(text[i - 1]))) {
            ++i;
            continue;
        }
        std::string digits;
        std::size_t end = i;
        std::size_t j = i;
        while (j < text.size() && digits.size() <= 19) {
            if (is_digit(text[j])) {
                digits.push_back(text[j]);
                end = ++j;
            } else if ((text[j] == ' ' || text[j] == '-') && j + 1 < text.size() && is_digit(text[j + 1])) {
                ++j;
            } else {
                break;
            }
        }
        const bool whole = end == text.size() || !is_alnum(text[end]);
        if (whole && digits.size() >= 13 && digits.size() <= 19 && luhn_valid(digits)) spans.emplace_back(i, end);
        i = end + (end == i ? 1 : 0);
    }
    return spans;
}

// Four decimal octets of at most 255, not part of a longer dotted or numeric run.
std::vector<Span> find_ipv4(std::string_view text) {
    std::vector<Span> spans;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_digit(text[i]) || (i > 0 && (is_alnum(text[i - 1]) || text[i - 1] == '.'))) {
            ++i;
            continue;
        }
        std::size_t j = i;
        int octets = 0;
        bool ok = true;
        while (ok && octets < 4) {
            std::size_t start = j;
            int value = 0;
            while (j < text.size() && is_digit(text[j]) && j - start < 3) value = value * 10 + (text[j++] - '0');
            ok = j > start && value <= 255 && (j == text.size() || !is_digit(text[j]));
            if (!ok) break;
            if (++octets < 4) {
                ok = j + 1 < text.size() && text[j] == '.' && is_digit(text[j + 1]);
                if (ok) ++j;  // past the dot; a failed separator leaves j inside the text
            }
        }
        // Read only after a full match: j is then at most text.size().
        const auto whole = [&] {
            return j == text.size() ||
                   !(is_alnum(text[j]) || (text[j] == '.' && j + 1 < text.size() && is_digit(text[j + 1])));
        };
        if (ok && octets == 4 && whole()) {
            spans.emplace_back(i, j);
            i = j;
        } else {
            while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;  // skip the whole run
        }
    }
    return spans;
}

}  // namespace

std::vector<Span> find_builtin(std::string_view text, config::BuiltinPattern builtin) {
    switch (builtin) {
        case config::BuiltinPattern::email: return find_emails(text);
        case config::BuiltinPattern::credit_card: return find_cards(text);
        case config::BuiltinPattern::ipv4: return find_ipv4(text);
        case config::BuiltinPattern::none: break;
    }
    return {};
}

}  // namespace infergate::policy
