#!/usr/bin/env bash
# Runs `conflict-ner tag` as an Apache Spark RDD.pipe stage (PySpark in local
# mode) on a few documents and checks that Spark's output equals a plain `tag`
# run on the same input (scripts/spark_tag.py). Needs Java; installs PySpark
# into ~/.cache/conflict-ner/venv-spark (outside the repo) on first use. Not
# part of CI.
# Usage: scripts/spark-tag.sh [MODEL_DIR] [INPUT.jsonl] [PARTITIONS]
#   defaults: models/default, the first 40 documents of data/test.jsonl, 3
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/default}
input=${2:-}
partitions=${3:-3}
command -v java >/dev/null || { echo "spark-tag: Java is needed (apt-get install default-jre-headless)" >&2; exit 1; }
venv=${SPARK_VENV:-$HOME/.cache/conflict-ner/venv-spark}
if ! "$venv/bin/python" -c "import pyspark" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyspark
fi
[ -x target/release/conflict-ner ] || cargo build --release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$input" ]; then
    input="$work/input.jsonl"
    head -n 40 data/test.jsonl >"$input"
fi
"$venv/bin/python" scripts/spark_tag.py "$PWD/target/release/conflict-ner" "$(realpath "$model")" \
    "$(realpath "$input")" "$work/spark.jsonl" "$partitions"
