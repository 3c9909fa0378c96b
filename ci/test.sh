#!/usr/bin/env bash
# Quick start, step 2: install dependencies, build, and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300
