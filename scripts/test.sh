#!/usr/bin/env bash
# The README's second command (and CI's): set up, build, and run every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${RADNODE_BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 900
