#!/usr/bin/env bash
# CoNLL-2003 English benchmark (research-only data, read from ../shared, never copied):
# fine-tune the base model on train, select on dev, report strict entity-level
# scores on test. Not part of CI. Usage: scripts/bench-conll.sh [extra train flags]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CONLL_DIR:-../shared/corpora/conll2003}
out=${CONLL_MODEL:-models/conll2003}
[[ -f $corpus/train.conll ]] || { echo "error: $corpus/train.conll not found" >&2; exit 1; }
bash scripts/fetch-base-model.sh
cargo build --release --quiet
bin=target/release/conflict-ner
start=$(date +%s)
$bin train --train "$corpus/train.conll" --dev "$corpus/dev.conll" --output "$out" --overwrite \
  --epochs 3 --batch-size 16 --lr 1e-4 --max-len 128 --seed 42 "$@"
echo "train wall time: $(( $(date +%s) - start )) s"
echo "== test (eng.testb)"
$bin evaluate --model "$out" --data "$corpus/test.conll"
