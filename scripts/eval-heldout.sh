#!/usr/bin/env bash
# Scores a model on the part of the test split whose conflicts are held out of
# training (data/source/splits.json), i.e. transfer to unseen conflicts.
# Usage: scripts/eval-heldout.sh [MODEL_DIR] (default models/default)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/default}
sub=$(mktemp --suffix=.jsonl)
trap 'rm -f "$sub"' EXIT
python3 - "$sub" <<'PY'
import json, sys
held = set(json.load(open("data/source/splits.json"))["held_out"])
with open(sys.argv[1], "w") as out:
    for line in open("data/test.jsonl"):
        if json.loads(line).get("conflict") in held:
            out.write(line)
PY
echo "held-out conflicts in data/test.jsonl: $(wc -l <"$sub") documents"
target/release/conflict-ner evaluate --model "$model" --data "$sub" "${@:2}"
