#!/usr/bin/env bash
# Installs every build and test dependency of faultline from Debian 12's archive.
# Run as root on a fresh machine; safe to run again (apt skips what is installed).
set -euo pipefail
packages=(
  cmake ninja-build
  clang-19 libclang-rt-19-dev lld-19   # C++20 ranges with libstdc++ 12; libFuzzer, sanitizers
  libabsl-dev                          # hashing, Status, StrFormat, flat_hash_set
  libgtest-dev libgmock-dev            # the test suite
  librapidcheck-dev                    # property-based tests of the harness
  libz3-dev pkg-config                 # quorum and timing questions (found with pkg-config)
  nlohmann-json3-dev                   # JSON output for CI
  chromium                             # tests/render_test.cc: the HTML viewer in a headless browser
  spin gcc                             # bench/spin_compare.py: SPIN preprocesses .pml with gcc -E
                                       # and its generated pan.c is compiled with gcc
  python3 time                         # bench/*.py, ci/protocol_table.py; peak RSS
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
