#!/usr/bin/env bash
# Configures and builds faultline into build/ and links ./faultline to it.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
ln -sf build/faultline faultline
