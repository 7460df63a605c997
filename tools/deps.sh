#!/usr/bin/env bash
# Installs the Debian 12 packages infergate needs that are not installed yet (as root, or
# through sudo). Fast when nothing is missing: it asks dpkg, not the network.
#   bash tools/deps.sh            build + run dependencies
#   bash tools/deps.sh --test     also what the test suite uses (Node.js for the SDK test,
#                                 slowhttptest and h2load for tests/stress, libfaketime for
#                                 the wall-clock jump test; promtool, prometheus,
#                                 systemd-analyze and PyYAML for the packaging check)
#   bash tools/deps.sh --fuzz     also clang and its sanitizer/libFuzzer runtime (tools/fuzz.sh)
set -euo pipefail

packages=(g++ cmake ninja-build ccache pkg-config curl
          libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libyaml-cpp-dev
          libspdlog-dev prometheus-cpp-dev libssl-dev libhowardhinnant-date-dev tzdata
          libgoogle-perftools-dev
          libgtest-dev libgmock-dev)
if [[ "${1:-}" == "--test" ]]; then
    command -v node >/dev/null 2>&1 || packages+=(nodejs)
    command -v npm >/dev/null 2>&1 || packages+=(npm)
    packages+=(slowhttptest nghttp2-client faketime)
    # tools/check-packaging.sh (ctest label packaging): promtool and prometheus, systemd-analyze,
    # PyYAML for the manifests.
    packages+=(prometheus systemd python3-yaml)
fi
if [[ "${1:-}" == "--fuzz" ]]; then
    packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "infergate: installing ${missing[*]}" >&2
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# Boost 1.81 replaces a default (1.74) Boost -dev if one is installed: the two conflict.
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
