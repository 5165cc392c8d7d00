#!/usr/bin/env bash
# The test suite: release build (the binary the CLI tests run), then every test.
# Needs no network beyond crates.io, no downloaded model and no ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
cargo test --release --locked
