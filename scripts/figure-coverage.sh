#!/usr/bin/env bash
# FIGURE values on model predictions: tags the test split's texts with MODEL
# (default models/default) and prints how many of the FIGURE spans it finds get a
# non-null value, with the unreadable ones listed. Not part of CI (needs a model).
# Usage: scripts/figure-coverage.sh [MODEL] [DATA]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/default}
data=${2:-data/test.jsonl}
[[ ${BUILD:-1} == 0 ]] || cargo build --release --quiet
target/release/conflict-ner tag --model "$model" --quiet "$data" | python3 -c '
import json, sys
n = ok = 0
bad = []
for line in sys.stdin:
    for e in json.loads(line)["entities"]:
        if e["label"] == "FIGURE":
            n += 1
            if e["value"] is not None:
                ok += 1
            else:
                bad.append(e["text"])
print(f"FIGURE spans found: {n}; with a value: {ok} ({100 * ok / max(n, 1):.1f} %)")
for t in bad:
    print(f"  no value: {t!r}")
'
