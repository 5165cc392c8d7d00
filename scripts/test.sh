#!/usr/bin/env bash
# The test suite: release build (the binary the CLI tests run), then every test,
# then the kernel and parity tests again at each lower CPU tier this CPU can run
# (CONFLICT_NER_CPU caps the tier: an AVX-512 machine also tests the AVX2 and
# baseline copies of every hand-written loop; an AVX2 machine the baseline ones).
# Needs no network beyond crates.io, no downloaded model and no ../shared.
# Ends with one summary line, "N passed, N failed", over all test binaries and tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --release --locked 2>&1 | tee "$log" || status=$?
tiers=(baseline)
grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo && tiers+=(avx2)
grep -qw avx2 /proc/cpuinfo 2>/dev/null || tiers=()
for tier in "${tiers[@]}"; do
  echo "== CONFLICT_NER_CPU=$tier: library kernels and parity"
  CONFLICT_NER_CPU=$tier cargo test --release --locked --lib --test parity 2>&1 | tee -a "$log" || status=$?
done
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
exit "$status"
