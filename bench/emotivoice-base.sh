#!/usr/bin/env bash
# Measurements for the emotivoice family at EmotiVoice's own sizes (`base`, random weights): export,
# then PyTorch eager vs ONNX Runtime per module, the BERT encoder by length, host vs in-engine Gaussian
# upsampling, and the eager end-to-end baseline; on the CPU and, where torch sees one, a CUDA GPU.
# Writes JSON into $1 (default bench/out/emotivoice-base). Each step has its own time limit, so the
# results of the steps before a slow one survive.
#   bash bench/emotivoice-base.sh [OUT] [REPEATS]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="$(mkdir -p "${1:-bench/out/emotivoice-base}" && cd "${1:-bench/out/emotivoice-base}" && pwd)"
REPEATS="${2:-5}"
MODEL="${EV_BASE_MODEL:-/tmp/ev-base}"
export PYTHONPATH="$PWD/reference${PYTHONPATH:+:$PYTHONPATH}"
step() { local name=$1 limit=$2; shift 2; echo "== $name" >&2; timeout "$limit" "$@" > "$OUT/$name.json" 2> "$OUT/$name.log"; echo "   exit $? ($(tail -c 300 "$OUT/$name.log" | tr '\n' ' ' | cut -c1-200))" >&2; }
python3 - > "$OUT/env.json" <<'PY'
import json, os, platform, torch, onnxruntime as ort
print(json.dumps({"python": platform.python_version(), "torch": torch.__version__, "cuda": torch.cuda.is_available(),
                  "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "cpus": os.cpu_count(),
                  "onnxruntime": ort.__version__, "providers": ort.get_available_providers(), "cpu": platform.processor()}))
PY
cat "$OUT/env.json" >&2
CUDA=$(python3 -c 'import torch; print(int(torch.cuda.is_available()))')
ORT_CUDA=$(python3 -c 'import onnxruntime as o; print(int("CUDAExecutionProvider" in o.get_available_providers()))')
[ -f "$MODEL/manifest.yaml" ] || step export 300 python3 -m emovoice_ref.emotivoice.export --random base --out "$MODEL"
cp "$MODEL/manifest.yaml" "$MODEL/export_check.json" "$OUT/" 2>/dev/null
step modules-cpu 240 python3 -m emovoice_ref.emotivoice.bench_modules --model "$MODEL" --repeats "$REPEATS" --json
if [ "$CUDA" = 1 ]; then
  P=CPUExecutionProvider; [ "$ORT_CUDA" = 1 ] && P=CUDAExecutionProvider
  step modules-cuda 120 python3 -m emovoice_ref.emotivoice.bench_modules --model "$MODEL" --device cuda --provider "$P" --repeats 20 --json
  step eager-cuda 60 python3 -m emovoice_ref.emotivoice.bench --model "$MODEL" --device cuda --repeats 20 --json
fi
step upsampling-cpu 60 python3 -m emovoice_ref.emotivoice.bench_upsampling --repeats 10 --json
[ "$ORT_CUDA" = 1 ] && step upsampling-cuda 60 python3 -m emovoice_ref.emotivoice.bench_upsampling --provider CUDAExecutionProvider --repeats 20 --json
step eager-cpu 120 python3 -m emovoice_ref.emotivoice.bench --model "$MODEL" --repeats "$REPEATS" --json
ls -la "$OUT" >&2
