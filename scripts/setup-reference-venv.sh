#!/usr/bin/env bash
# Create the PyTorch *reference* virtualenv used by scripts/reference.py for
# parity fixtures and speed comparisons with the Rust trainer.
# Never run in CI. The venv lives outside the repository.
# Usage: scripts/setup-reference-venv.sh   (REFERENCE_VENV overrides the path)
set -euo pipefail

VENV="${REFERENCE_VENV:-$HOME/.cache/conflict-ner/venv-reference}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    mkdir -p "$(dirname "$VENV")"
    "$PY" -m venv "$VENV"
fi

if ! "$VENV/bin/python" -c 'import torch, transformers, safetensors, numpy, tokenizers' 2>/dev/null; then
    "$VENV/bin/python" -m pip install --upgrade pip
    # Only PyPI is reachable here, so take the plain PyPI torch wheel
    # (it runs on CPU when no GPU is present).
    "$VENV/bin/python" -m pip install torch transformers safetensors numpy tokenizers
fi

"$VENV/bin/python" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
echo "$VENV"
