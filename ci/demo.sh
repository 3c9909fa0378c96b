#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build, and run a real check.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh
./faultline check paxos
