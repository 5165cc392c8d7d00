#!/usr/bin/env bash
# Speed benchmark: this project's binaries vs a PyTorch reference (transformers, eager
# fp32, scripts/reference.py) on the same model, data and thread count. Per round and
# case, ours runs and then PyTorch, so that machine noise hits both. Not part of CI.
#
# Usage: scripts/bench.sh [ROUNDS]        e.g. CASES="d e" ARTICLES=20 scripts/bench.sh 1
# Cases (CASES, letters or names, space/comma separated; default "a b d e c"):
#   a train    one training step, 16x128 random ids (conflict-ner-bench step), fp32 and bf16
#   b forward  encoder forward 16x128 and 32x64, fp32, bf16 and int8 (inference only)
#   c epoch    one training epoch over CoNLL-2003 train (../shared, never copied), batch 16,
#              max-len 128; several minutes per side; skipped without the corpus
#   d tag      `tag` of the 200 longest documents of data/*.jsonl (target/bench/articles,
#              rebuilt each run), whole process timed, model load included; needs
#              models/default; fp32, bf16 and int8 rows (those this CPU has)
#   e cold     `tag` of one ~800-word article (target/bench/article-800.txt), whole process
# Env: THREADS (2) for both sides (RAYON_NUM_THREADS / --threads); ROUNDS (2, or the
#   argument); STEPS (5) timed steps in a/b; CONLL (path of train.conll); CONLL_LIMIT
#   (first N sentences, both sides; default all); ARTICLES (200) for d; BUILD=0 skips
#   cargo build; TAG_MODEL (models/default) for d/e; CONFLICT_NER_CPU (avx512, avx2 or
#   baseline) caps the CPU tier of our side, to measure a lower tier's code on a higher
#   CPU (gemm's own f32 kernels are not capped). The peaks of the tier are measured
#   (conflict-ner-bench peak). Rows a CPU cannot run are skipped with the reason.
# Table: tok/s over real tokens (d/e: sub-tokens / process wall), ratio ours/PyTorch
# (>1: ours faster), peak RSS, GFLOP/s (a/b/c; matmul FLOPs) and process wall (c/d/e).
set -euo pipefail
shopt -s inherit_errexit  # a failing command inside $(...) stops the script too
cd "$(dirname "$0")/.."
rounds=${1:-${ROUNDS:-2}}
threads=${THREADS:-2}
steps=${STEPS:-5}
cases=" $(tr ',' ' ' <<<"${CASES:-a b d e c}") "
want() { [[ $cases == *" $1 "* || $cases == *" $2 "* ]]; }
base=models/base/all-MiniLM-L6-v2
tagger=${TAG_MODEL:-models/default}
conll=${CONLL:-../shared/corpora/conll2003/train.conll}
n_articles=${ARTICLES:-200}
bash scripts/fetch-base-model.sh >/dev/null
venv=$(bash scripts/setup-reference-venv.sh | tail -n 1)
ref=("$venv/bin/python" scripts/reference.py)
[[ ${BUILD:-1} == 0 ]] || cargo build --release --quiet
bin=target/release/conflict-ner
benchbin=target/release/conflict-ner-bench
export RAYON_NUM_THREADS=$threads
[[ -n ${CONFLICT_NER_CPU:-} ]] && export CONFLICT_NER_CPU
peak_json=$($benchbin peak)
tier=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tier"])' "$peak_json")
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); tier $tier (CONFLICT_NER_CPU=${CONFLICT_NER_CPU:-unset})" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"${res:=$tmp/results.tsv}"  # case \t variant \t impl \t JSON from the program \t JSON from timed

rec() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-"{}"}" "${5:-"{}"}" >>"$res"; }
skip() { echo "$1: skipped: $2" >&2; rec "$1" "" skip "{\"why\":\"$2\"}"; }

# timed STDOUT_FILE CMD...: runs CMD (stdout to the file), prints {"wall_s","peak_rss_mb"}
# of the whole process.
timed() {
  local so=$1; shift
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$so"
    tail -n 1 "$tmp/time" | awk '{printf "{\"wall_s\":%s,\"peak_rss_mb\":%.0f}", $1, $2 / 1024}'
  else  # same figures from Python: wall clock and the child's ru_maxrss (KB)
    python3 - "$so" "$@" <<'PY'
import json, resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), check=True)
print(json.dumps({"wall_s": round(time.perf_counter() - t, 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}), end="")
PY
  fi
}

# --- (a), (b): fixed-shape steps. bf16 rows when `step --precision` is real: the
# option parser takes any --key, so it must echo "precision" or reject a bogus value.
step_cases=()
want a train && step_cases+=("train 16 128")
want b forward && step_cases+=("forward 16 128" "forward 32 64")
fwd_precisions=(fp32)
bf16_ok=0
if want a train || want b forward || want c epoch || want d tag || want e cold; then
  probe() { RAYON_NUM_THREADS=1 $benchbin step --model $base --mode forward --batch 1 --seq 8 \
              --steps 1 --warmup 0 --precision "$1" 2>/dev/null; }
  if probe bf16 >/dev/null; then
    fwd_precisions=(fp32 bf16) bf16_ok=1
  else
    skip "bf16 rows" "this CPU (tier $tier) has no AVX-512 BF16"
  fi
fi
# int8 is inference only: forward rows, and tag rows below, where the CPU has an
# int8 kernel (AVX-512 VNNI or AVX2).
int8_ok() { RAYON_NUM_THREADS=1 $benchbin step --model $base --mode forward --batch 1 --seq 8 \
              --steps 1 --warmup 0 --precision int8 >/dev/null 2>&1; }

# --- (c): the corpus, or its first CONLL_LIMIT sentences (a temp file outside the repo).
epoch_case=
if want c epoch; then
  if [[ ! -f $conll ]]; then
    skip "epoch CoNLL" "no ../shared corpus ($conll)"
  else
    epoch_file=$conll epoch_case="epoch CoNLL train"
    if [[ -n ${CONLL_LIMIT:-} ]]; then
      epoch_file=$tmp/train.conll epoch_case="epoch CoNLL ${CONLL_LIMIT} sent."
      awk -v n="$CONLL_LIMIT" 'BEGIN { RS = ""; ORS = "\n\n" } !/^-DOCSTART-/ && ++k <= n' \
        "$conll" >"$epoch_file"
    fi
  fi
fi

# --- (d), (e): inputs rebuilt deterministically from the project's own corpus.
tag_cases=() tag_precisions=("")
if want d tag || want e cold; then
  if [[ ! -f $tagger/model.safetensors ]]; then
    want d tag && skip "tag articles" "no $tagger (make it: bash scripts/quickstart.sh)"
    want e cold && skip "cold tag 1 article" "no $tagger (make it: bash scripts/quickstart.sh)"
  else
    python3 - "$n_articles" <<'PY'
import json, pathlib, shutil, sys
docs = [json.loads(l) for s in ("train", "dev", "test")
        for l in open(f"data/{s}.jsonl", encoding="utf-8") if l.strip()]
docs.sort(key=lambda d: (-len(d["text"]), d["id"]))  # longest first, ties by id
out = pathlib.Path("target/bench/articles")
shutil.rmtree(out, ignore_errors=True)
out.mkdir(parents=True)
for d in docs[:int(sys.argv[1])]:
    (out / f"{d['id']}.txt").write_text(d["text"], encoding="utf-8")
# ~800 words: the longest document's leading paragraphs up to 850 words (no document
# has 750-850 words; data/sample-article.txt has ~230), else its first 800 words.
text, keep = docs[0]["text"], []
for p in text.split("\n\n"):
    if len(" ".join(keep + [p]).split()) > 850:
        break
    keep.append(p)
art = "\n\n".join(keep)
if len(art.split()) < 750:
    art = " ".join(text.split()[:800])
pathlib.Path("target/bench/article-800.txt").write_text(art + "\n", encoding="utf-8")
PY
    want d tag && tag_cases+=("tag $n_articles articles=target/bench/articles")
    want e cold && tag_cases+=("cold tag 1 article=target/bench/article-800.txt")
    tag_precisions=(fp32)
    ((bf16_ok)) && tag_precisions+=(bf16)
    if int8_ok; then tag_precisions+=(int8); else skip "int8 rows" "no int8 kernel at tier $tier"; fi
  fi
fi

# One untimed tag first: both sides read the same model file, and without this the
# first timed process (ours, fp32) alone would pay for reading it from disk.
if ((${#tag_cases[@]})); then
  $bin tag --model $tagger --quiet target/bench/article-800.txt >/dev/null
fi
for ((r = 1; r <= rounds; r++)); do
  for c in "${step_cases[@]}"; do
    read -r mode b t <<<"$c"
    precs=("${fwd_precisions[@]}")
    [[ $mode == forward ]] && int8_ok && precs+=(int8)
    for p in "${precs[@]}"; do
      j=$($benchbin step --model $base --mode "$mode" --batch "$b" --seq "$t" --steps "$steps" \
        --warmup 1 ${p:+--precision "$p"} | tail -n 1)
      rec "$mode ${b}x$t" "$p" ours "$j"
    done
    j=$("${ref[@]}" bench --model $base --mode "$mode" --batch "$b" --seq "$t" --steps "$steps" \
      --warmup 1 --threads "$threads" | tail -n 1)
    rec "$mode ${b}x$t" "" pytorch "$j"
  done
  for c in "${tag_cases[@]}"; do
    name=${c%%=*} input=${c#*=}
    # Rotate which precision runs first (right after PyTorch's process): the
    # first process of a round was measurably slower (0.3 s against 0.8 s cold).
    precs=("${tag_precisions[@]}")
    for ((i = 1; i < r; i++)); do precs=("${precs[@]:1}" "${precs[0]}"); done
    for p in "${precs[@]}"; do
      tm=$(timed "$tmp/ours.jsonl" $bin tag --model $tagger --threads "$threads" --quiet \
        ${p:+--precision "$p"} "$input")
      rec "$name" "$p" ours "{\"documents\":$(wc -l <"$tmp/ours.jsonl")}" "$tm"
    done
    tm=$(timed "$tmp/so" "${ref[@]}" tag --model $tagger --input "$input" --output "$tmp/ref-tags" \
      --threads "$threads")
    rec "$name" "" pytorch "$(tail -n 1 "$tmp/so")" "$tm"
  done
  if [[ -n $epoch_case ]]; then
    for p in "${fwd_precisions[@]}"; do
      tm=$(timed "$tmp/so" $bin train --train "$epoch_file" --output "$tmp/epoch-model" --overwrite --epochs 1 \
        --batch-size 16 --max-len 128 --seed 42 --threads "$threads" --quiet ${p:+--precision "$p"})
      j=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))  # tokens/s of the training loop, as on the PyTorch side
print(json.dumps({"tokens_per_s": r["train_tokens_per_s"], "windows": r["train_windows"]}))' \
        "$tmp/epoch-model/training-report.json")
      rec "$epoch_case" "$p" ours "$j" "$tm"
    done
    tm=$(timed "$tmp/so" "${ref[@]}" bench --model $base --epoch-conll "$epoch_file" --batch 16 \
      --threads "$threads")
    rec "$epoch_case" "" pytorch "$(tail -n 1 "$tmp/so")" "$tm"
  fi
done

python3 - "$res" "$threads" "$rounds" "$steps" "$base/config.json" "$peak_json" "${CONFLICT_NER_CPU:-unset}" <<'PY'
import collections, json, os, re, subprocess, sys
res, threads, rounds, steps, cfg_path, peak_json, cap = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
acc, order = collections.defaultdict(list), []
for line in open(res, encoding="utf-8"):
    case, var, impl, prog, tm = line.rstrip("\n").split("\t")
    if (case, var) not in order and impl != "pytorch":
        order.append((case, var))
    acc[(case, var, impl)].append({**json.loads(prog), **json.loads(tm)})  # timed wins

# Matmul FLOPs per token of one forward pass at sequence length t: per layer, the four
# h x h projections and the two FFN matmuls, 2*(4h^2 + 2hi), plus attention scores and
# context, 2th each. A training step is ~3x forward.
c = json.load(open(cfg_path))
L, h, i = c["num_hidden_layers"], c["hidden_size"], c["intermediate_size"]
fwd = lambda t: L * (2 * (4 * h * h + 2 * h * i) + 4 * t * h)

# Peaks measured on this machine at its tier by `conflict-ner-bench peak` (independent
# chains of FMAs / vdpbf16ps / int8 dot products on every thread), not from a spec sheet.
pk = json.loads(peak_json)
peak, peak_bf16, peak_int8 = pk["fp32_gflops"], pk["bf16_gflops"], pk.get("int8_gops")
tier_name = {"avx512": "AVX-512", "avx2": "AVX2 + FMA", "baseline": "baseline x86-64"}[pk["tier"]]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
flags = next((l.split(":", 1)[1].split() for l in open("/proc/cpuinfo") if l.startswith("flags")), [])
extra = [f for f in ("avx512_bf16", "avx512_vnni", "avx_vnni") if f in flags]
print(f"CPU: {cpu}; tier {tier_name}{' (' + ', '.join(extra) + ')' if extra else ''}; CONFLICT_NER_CPU={cap}")

mean = lambda xs, k: sum(x[k] for x in xs) / len(xs) if xs and all(k in x for x in xs) else None
fmt = lambda v, f: "-" if v is None else format(v, f)
print(f"threads {threads}, mean of {rounds} alternating rounds; a/b: {steps} timed steps after 1 warmup")
na = lambda v, u: f"{v:.0f} {u}" if v else "n/a"
print(f"measured peak on {threads} threads ({tier_name}): fp32 {peak:.0f} GFLOP/s, bf16 {na(peak_bf16, 'GFLOP/s')}, "
      f"int8 {na(peak_int8, 'GOP/s')} (conflict-ner-bench peak); GFLOP/s columns give % of the fp32 peak")
print("GFLOP/s: matmul FLOPs of real tokens (epoch: t = mean sentence length); training = 3x forward")
cols = f"[{pk['tier']}] {'case':<17} {'ours tok/s':>10} {'PyTorch tok/s':>13} {'ratio':>6} {'ours RSS MiB':>12} " \
       f"{'PyTorch RSS MiB':>15} {'GFLOP/s ours':>13} {'GFLOP/s PyTorch':>15} {'ours s':>7} {'PyTorch s':>9}"
print(cols)
loads = []
for case, var in order:
    label = f"{case} {var}".strip()
    if acc[(case, var, "skip")]:
        print(f"{label:<26} skipped: {acc[(case, var, 'skip')][0]['why']}")
        continue
    o, p = acc[(case, var, "ours")], acc[(case, "", "pytorch")]
    loads += [x["loadavg_1m"] for x in p if "loadavg_1m" in x]
    if case.startswith(("tag", "cold")):  # sub-tokens (same tokenizer) / process wall
        tokens = p[0]["tokens"] if p else None
        tps = lambda xs: tokens / mean(xs, "wall_s") if xs and tokens else None
        flops = None
    else:
        tps = lambda xs: mean(xs, "tokens_per_s")
        t = int(case.split("x")[-1]) if "x" in case else \
            (p[0]["real_tokens"] / p[0]["sentences"] if p else 30)
        flops = fwd(t) * (3 if case.startswith(("train", "epoch")) else 1)
    to, tp = tps(o), tps(p)
    gf = lambda v: "-" if v is None or flops is None else f"{v * flops / 1e9:.0f} ({v * flops / 1e9 / peak:.0%})"
    rss = lambda xs: max(x["peak_rss_mb"] for x in xs) if xs else None
    print(f"{label:<26} {fmt(to, '10.0f'):>10} {fmt(tp, '13.0f'):>13} "
          f"{fmt(to / tp if to and tp else None, '6.2f'):>6} {fmt(rss(o), '12.0f'):>12} {fmt(rss(p), '15.0f'):>15} "
          f"{gf(to):>13} {gf(tp):>15} {fmt(mean(o, 'wall_s'), '7.1f'):>7} {fmt(mean(p, 'wall_s'), '9.1f'):>9}")
if loads and max(loads) > threads + 0.5:
    print(f"warning: 1-min load average up to {max(loads)} with {threads} threads: other work shared the cores")
PY
