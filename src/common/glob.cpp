#include "infergate/common/glob.hpp"

#include <fnmatch.h>

#include <string>

namespace infergate {

bool glob_match(std::string_view pattern, std::string_view name) {
    if (pattern.find_first_of("[\\") != std::string_view::npos) {
        const std::string terminated_pattern(pattern), terminated_name(name);
        return ::fnmatch(terminated_pattern.c_str(), terminated_name.c_str(), 0) == 0;
    }
    // Greedy with one backtrack point: on a mismatch after a `*`, that `*` takes one more
    // character. Linear in practice, quadratic at worst in the sizes (both short).
    std::size_t p = 0, n = 0;
    std::size_t star = std::string_view::npos, star_name = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {  // before the literal test: a `*` in the
            star = p++;                                   // name is no reason to skip the wildcard
            star_name = n;
        } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
            ++p;
            ++n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++star_name;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace infergate
