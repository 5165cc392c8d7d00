#!/usr/bin/env bash
# Set-up plus the main job on a fresh machine: fetch the base model, build,
# train the default model on the shipped corpus, evaluate it on the held-out
# test split, and tag a sample article. Extra arguments go to `train`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "error: cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }
bash scripts/fetch-base-model.sh
cargo build --release --locked
bin=target/release/conflict-ner
$bin check data/train.jsonl data/dev.jsonl data/test.jsonl | tail -n 7
$bin train --train data/train.jsonl --dev data/dev.jsonl --output models/default --overwrite "$@"
echo "== test split (data/test.jsonl)"
$bin evaluate --model models/default --data data/test.jsonl
echo "== tagging data/sample-article.txt"
$bin tag --model models/default data/sample-article.txt
