#!/usr/bin/env bash
# The test suite: release build (the binary the CLI tests run), then every test.
# Needs no network beyond crates.io, no downloaded model and no ../shared.
# Ends with one summary line, "N passed, N failed", over all test binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --release --locked 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
exit "$status"
