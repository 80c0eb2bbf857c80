#!/usr/bin/env bash
# One-time (idempotent) set-up for a fresh clone: Node dependencies, the Python reference-model
# toolchain (optional: the bundled tiny model needs no Python), and the real speech recordings used
# for calibration and tests. Non-interactive; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip   # onnxruntime-node would try to fetch CUDA binaries; the CPU build is bundled

say() { printf '[setup] %s\n' "$*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ "${EMOVOICE_SKIP_PYTHON:-0}" != 1 ] && command -v python3 >/dev/null; then
  if ! python3 -c 'import torch, onnx, onnxruntime, yaml, scipy, tokenizers' 2>/dev/null; then
    say "installing the Python reference-model toolchain (torch==2.13.0 CPU, onnx, onnxruntime)"
    python3 -m pip install --quiet -r reference/requirements.txt \
      || say "WARNING: Python packages did not install; Python tests and re-export will be skipped"
  fi
  # Triton's model-configuration schema (model_config_pb2) for validating `emovoice package` output;
  # --no-deps: only the schema module is used, not the client's network stack.
  python3 -c 'import tritonclient' 2>/dev/null || python3 -m pip install --quiet --no-deps tritonclient==2.73.0 \
    || say "WARNING: tritonclient did not install; Triton config validation tests will be skipped"
fi

if [ -f calibration/fetch-speech.sh ]; then
  bash calibration/fetch-speech.sh || say "WARNING: real speech recordings could not be installed; tests that need them will say so"
elif [ ! -d /usr/share/sounds/alsa ] && command -v apt-get >/dev/null; then
  say "installing real speech recordings (Debian alsa-utils)"
  { apt-get install -y -q alsa-utils || { apt-get update -q && apt-get install -y -q alsa-utils; }; } >/dev/null 2>&1 \
    || say "WARNING: alsa-utils could not be installed; tests that need real speech will say so"
fi
if [ ! -f data/ref-alsa.wav ] && [ -d /usr/share/sounds/alsa ]; then
  npx --no-install tsx scripts/make-reference.ts data/ref-alsa.wav || say "WARNING: could not build data/ref-alsa.wav"
fi
say "done"
