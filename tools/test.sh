#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit, integration on real
# sockets, the OpenAI SDK against the real gateway).
#   bash tools/test.sh              normal (Release) build in build/
#   bash tools/test.sh --sanitize   ASan + UBSan build in build-asan/
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash tools/deps.sh --test
# The SDK tests' npm packages: installed when node_modules is missing or older than the lock file
# (npm ci writes node_modules/.package-lock.json; a pull that changes the lock makes it older).
if [[ tests/sdk/package-lock.json -nt tests/sdk/node_modules/.package-lock.json ]]; then
    npm ci --prefix tests/sdk --no-audit --no-fund --loglevel=error
fi

if [[ "${1:-}" == "--sanitize" ]]; then
    dir=build-asan
    bash tools/build.sh "$dir" -DINFERGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
    dir=build
    bash tools/build.sh "$dir" -DINFERGATE_BUILD_TESTS=ON
    # A build configured by tools/start.sh has no tests: turn them on.
    if ! grep -q "INFERGATE_BUILD_TESTS:BOOL=ON" "$dir/CMakeCache.txt"; then
        cmake -S . -B "$dir" -DINFERGATE_BUILD_TESTS=ON >/dev/null
        cmake --build "$dir" -- -j"$(nproc)"
    fi
fi
cd "$dir"
ctest --output-on-failure -j"$(nproc)" --timeout 180
