// Property checks for fuzz targets. Unlike assert() they stay on in Release builds, and abort()
// is what libFuzzer and the corpus replay both report as a failure.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace infergate::fuzz {

[[noreturn]] inline void violated(const char* property, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, property);
    std::abort();
}

}  // namespace infergate::fuzz

#define FUZZ_REQUIRE(condition) \
    ((condition) ? void() : ::infergate::fuzz::violated(#condition, __FILE__, __LINE__))
