#!/usr/bin/env bash
# Configures (once) and builds infergate incrementally with Ninja.
#   bash tools/build.sh [BUILD_DIR] [extra cmake -D options...]   (default dir: build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/build}
# ccache hits across clones and build directories: hash paths relative to the checkout.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
shift || true
if [[ ! -f "$dir/build.ninja" ]]; then
    cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
# Asio/Beast templates are heavy: one job per core, no more (2 cores and 24 GiB here).
cmake --build "$dir" -- -j"$(nproc)"
