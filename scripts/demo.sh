#!/usr/bin/env bash
# The README's first command: set up, build, and run the demo (a real node on loopback,
# synthetic breast studies sent over DICOM, SRs written and delivered).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec "${RADNODE_BUILD_DIR:-build}/node/radnode" demo "$@"
