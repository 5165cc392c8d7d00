#!/usr/bin/env bash
# Speed benchmark: this project's encoder vs PyTorch (transformers, eager fp32) on the
# same base model, shapes and thread count, run alternately in one session so that
# machine noise hits both. Prints one table: tokens/s, ratio ours/PyTorch, peak RSS.
# Not part of CI. Usage: scripts/bench.sh [ROUNDS] (default 2); THREADS=2 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
threads=${THREADS:-2}
model=models/base/all-MiniLM-L6-v2
bash scripts/fetch-base-model.sh >/dev/null
venv=$(bash scripts/setup-reference-venv.sh | tail -n 1)
cargo build --release --quiet
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cases=("train 16 128" "forward 16 128" "forward 32 64")
for ((r = 1; r <= rounds; r++)); do
  for c in "${cases[@]}"; do
    read -r mode b t <<<"$c"
    RAYON_NUM_THREADS=$threads target/release/conflict-ner-bench step --model $model --mode "$mode" --batch "$b" --seq "$t" --steps 5 --warmup 1 >>"$out"
    "$venv/bin/python" scripts/reference.py bench --model $model --mode "$mode" --batch "$b" --seq "$t" --steps 5 --warmup 1 --threads "$threads" | tail -n 1 >>"$out"
  done
done
python3 - "$out" "$threads" "$rounds" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
acc = collections.defaultdict(list)
for r in rows:
    acc[(r["mode"], r["batch"], r["seq"], r["impl"])].append(r)
print(f"threads {sys.argv[2]}, mean of {sys.argv[3]} alternating rounds, 5 timed steps each")
print(f"{'case':<18} {'ours tok/s':>11} {'pytorch tok/s':>14} {'ratio':>6} {'ours RSS MB':>12} {'pytorch RSS MB':>15}")
for mode, b, t in [(m, int(b), int(t)) for m, b, t in (c.split() for c in ["train 16 128", "forward 16 128", "forward 32 64"])]:
    o = acc[(mode, b, t, "candle")]; p = acc[(mode, b, t, "pytorch")]
    mean = lambda xs, k: sum(x[k] for x in xs) / len(xs)
    print(f"{mode + f' {b}x{t}':<18} {mean(o,'tokens_per_s'):>11.0f} {mean(p,'tokens_per_s'):>14.0f} "
          f"{mean(o,'tokens_per_s') / mean(p,'tokens_per_s'):>6.2f} {max(x['peak_rss_mb'] for x in o):>12.0f} {max(x['peak_rss_mb'] for x in p):>15.0f}")
PY
