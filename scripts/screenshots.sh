#!/usr/bin/env bash
# Screenshots of both HTML pages in headless Chromium (Debian's `chromium`
# package: apt-get install chromium): the `tag --format html` page of
# data/sample-article.txt and the `evaluate --html` page of the test split, with
# MODEL (default models/default). Writes docs/img/tag-page.png and
# docs/img/evaluate-page.png. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/default}
command -v chromium >/dev/null || { echo "error: chromium not found (apt-get install chromium)" >&2; exit 1; }
[[ ${BUILD:-1} == 0 ]] || cargo build --release --quiet
bin=target/release/conflict-ner
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$bin tag --model "$model" --quiet --format html --output "$tmp/tag.html" data/sample-article.txt
$bin evaluate --model "$model" --data data/test.jsonl --quiet --html "$tmp/evaluate.html" >/dev/null
mkdir -p docs/img
shot() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1200,"$3" \
    --screenshot="$2" "file://$1" 2>/dev/null
  echo "wrote $2"
}
shot "$tmp/tag.html" docs/img/tag-page.png 1100
shot "$tmp/evaluate.html" docs/img/evaluate-page.png 1400
