#!/usr/bin/env bash
# The reference-model tests (pytest): regenerate the tiny export in a temp dir and check ONNX Runtime
# against PyTorch. Says clearly when it is skipped because Python or torch is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import torch, onnx, onnxruntime' 2>/dev/null; then
  if [ "${CI:-}" = true ]; then echo "python tests: torch/onnx/onnxruntime missing in CI" >&2; exit 1; fi
  echo "python tests: SKIPPED (python3 with torch, onnx and onnxruntime not available; pip install -r reference/requirements.txt)"
  exit 0
fi
# reference/tests: the model and exporter; test/serving: the Triton orchestrator's numpy signal steps.
cd reference && python3 -m pytest -q tests ../test/serving
