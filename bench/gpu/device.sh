#!/usr/bin/env bash
# The GPU machine's side of issue 18's measurements: that machine has PyTorch but no Node, no network
# and no onnxruntime-gpu, and a call carries at most 64 MiB. bench/gpu/pack.sh (run here) cuts a bundle
# — a portable Node, onnxruntime-node's production node_modules, the onnxruntime-gpu 1.30.0 provider
# libraries, the Piper voice, 80 real calibration recordings, espeak-ng with its libraries and data — into
# parts of < 46 MB, each in its own carried folder; calls back to back store them under /root/ev18, and
# the last one reassembles everything outside the repository and runs:
#   bash device.sh store          keep this call's parts (.dev18/p*/) under /root/ev18/parts
#   bash device.sh setup          reassemble: node, node_modules, the code overlay, the providers
#                                 (installed by `emovoice providers install` from a wheel-shaped zip of them)
#   bash device.sh ev-export ev-bench ev-verify piper-verify piper-bench ev-compile ev-overlap gpu-tests
#                                 the measurements (results as one tar under $OUT)
# Stages run in the order given: `bash device.sh store setup ev-export ev-bench`.
set -uo pipefail
W=/root/ev18
R=$W/repo
HERE=$(pwd)
OUT=${OUT:-/tmp/ev18-out}
mkdir -p "$W/parts" "$W/res" "$OUT"
log() { echo "== $(date +%T) $*" >&2; }
env_gpu() {
  export PATH="$W/bin:$PATH"
  export LD_LIBRARY_PATH=/usr/local/cuda-13.0/targets/x86_64-linux/lib:/usr/lib/x86_64-linux-gnu
  export ESPEAK_NG="$W/espeak/espeak-ng" ALSA_SOUNDS="$W/alsa" CI= PYTHONUNBUFFERED=1
  cd "$R"
}
EV="node bin/emovoice.js"
# run NAME LIMIT CMD...: stdout to res/NAME.json, stderr to res/NAME.log, exit status noted
run() {
  local name=$1 limit=$2; shift 2
  log "$name"
  timeout "$limit" "$@" > "$W/res/$name.json" 2> "$W/res/$name.log"
  local rc=$?
  echo "   $name exit $rc: $(tail -c 400 "$W/res/$name.log" | tr '\n' ' ' | cut -c1-300)" >&2
  save
  return 0
}
save() { tar -czf "$OUT/results.tgz" -C "$W" res; cp "$W/res"/*.md "$OUT/" 2>/dev/null; true; }

store() {
  for d in "$HERE"/.dev18/p*; do [ -d "$d" ] && cp "$d"/* "$W/parts/"; done
  [ -d "$HERE/.dev18/code" ] && cp "$HERE"/.dev18/code/*.tar* "$W/"
  ls -la "$W/parts" >&2
}

setup() {
  log setup
  rm -rf "$W/b" "$R" && mkdir -p "$W/b" "$W/bin" "$W/prov" "$R"
  cat "$W"/parts/bundle.part.* | tar -x -C "$W/b" || { echo "bundle incomplete: $(ls "$W/parts")" >&2; exit 2; }
  python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$W/b/node.xz" "$W/bin/node"
  chmod +x "$W/bin/node"
  tar -xJf "$W/b/zstdbin.tar.xz" -C "$W"
  zstd() { LD_LIBRARY_PATH="$W/zstdbin/lib" "$W/zstdbin/zstd" "$@"; }
  # the repository: models/ from this call's tree, everything else from the branch measured (code.tar.xz)
  tar -C "$HERE" -cf - models | tar -x -C "$R"
  tar -xJf "$W/b/nm.tar.xz" -C "$R"
  tar -xJf "$W/code.tar.xz" -C "$R"
  mkdir -p "$W/alsa" && tar -xf "$W/alsa.tar" -C "$W/alsa"
  # the Piper voice and espeak-ng travel only where the Piper stages are wanted (bench/gpu/pack.sh --no-piper leaves them out)
  [ -f "$W/b/joe.tar.zst" ] && zstd -q -d -c "$W/b/joe.tar.zst" | tar -x -C "$R"
  rm -rf "$R/calibration/speech" && tar -xf "$W/b/speech.tar" -C "$R/calibration"
  [ -f "$W/b/espeak.tar.xz" ] && tar -xJf "$W/b/espeak.tar.xz" -C "$W"
  zstd -q -d -f "$W/b/cuda.so.zst" -o "$W/prov/libonnxruntime_providers_cuda.so"
  tar -xJf "$W/b/providers-small.tar.xz" -C "$W/prov"
  # the documented step, on the real libraries: a wheel-shaped zip of them (the 247 MB wheel cannot travel)
  python3 - "$W/prov" "$W/onnxruntime_gpu-1.30.0-cp312-cp312-manylinux_2_27_x86_64.whl" <<'PY'
import os, sys, zipfile
src, whl = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl, "w", zipfile.ZIP_STORED) as z:
    for f in sorted(os.listdir(src)):
        z.write(os.path.join(src, f), "onnxruntime/capi/" + f)
    z.writestr("onnxruntime_gpu-1.30.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: onnxruntime-gpu\nVersion: 1.30.0\n")
PY
  env_gpu
  node --version >&2
  run providers-before 60 $EV providers
  run providers-install 120 $EV providers install "$W/onnxruntime_gpu-1.30.0-cp312-cp312-manylinux_2_27_x86_64.whl"
  run doctor 120 $EV doctor
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$W/res/gpu.txt" 2>&1
  save
  cd "$HERE"
}

P=(--profile piper-joe-cpu)
E=(--profile emotivoice-cpu --set "model=$W/ev-base/manifest.yaml")
# bench: 15 s of speech per request (188 phonemes for EmotiVoice base, as bench/results/h100-pytorch-eager-base.json),
# 20 measured requests per level on each side (P99 reported as "max of 20": the session's device time was short), streams 1, 4, 16
BENCH=(bench --backend cuda --streams 1,4,16 --requests 20 --json)
piper_verify() {
  env_gpu
  run piper-verify-cuda-tf32 240 $EV verify "${P[@]}" --wer-sentences 0 --backend cuda --json
  NVIDIA_TF32_OVERRIDE=0 run piper-verify-cuda-notf32 240 $EV verify "${P[@]}" --wer-sentences 0 --backend cuda --json
  run piper-verify-cuda-fp16 400 $EV verify "${P[@]}" --wer-sentences 0 --backend cuda --precision fp16 --json
  cd "$HERE"
}
piper_bench() {
  env_gpu
  run piper-bench-cuda-fp32 240 $EV "${BENCH[@]}" "${P[@]}" --baseline none
  run piper-bench-cuda-fp16 300 $EV "${BENCH[@]}" "${P[@]}" --baseline none --set defaults.precision=fp16
  cd "$HERE"
}
ev_export() {
  env_gpu
  if [ ! -f "$W/ev-base/manifest.yaml" ]; then
    (cd reference && run ev-export 300 python3 -m emovoice_ref.emotivoice.export --random base --out "$W/ev-base" --mel-len 1024)
  fi
  cd "$HERE"
}
ev_verify() {
  env_gpu
  run ev-verify-cuda-tf32 300 $EV verify "${E[@]}" --wer-sentences 0 --backend cuda --json
  NVIDIA_TF32_OVERRIDE=0 run ev-verify-cuda-notf32 300 $EV verify "${E[@]}" --wer-sentences 0 --backend cuda --json
  cd "$HERE"
}
ev_verify16() {
  env_gpu
  run ev-verify-cuda-fp16 420 $EV verify "${E[@]}" --wer-sentences 0 --backend cuda --precision fp16 --json
  cd "$HERE"
}
ev_bench() {
  env_gpu
  run ev-bench-fp16 300 $EV "${BENCH[@]}" "${E[@]}" --set defaults.precision=fp16 --baseline-mode eager-fp16
  run ev-bench-fp32 250 $EV "${BENCH[@]}" "${E[@]}" --baseline-mode eager-fp32
  cd "$HERE"
}
# where a module's time goes on the CUDA provider (bench/gpu/probe.ts): one input shape vs the request's parts in
# turn, ONNX Runtime's trace by op and provider; ONNX Runtime's cuDNN convolutions (with and without its
# Conv+activation fusion) against the same convolutions as MatMul (src/optimize/conv-matmul.ts)
probe() {
  env_gpu
  local TSX=(node node_modules/tsx/dist/cli.mjs bench/gpu/probe.ts)
  { ls -la /usr/lib/x86_64-linux-gnu/libcudnn.so* /usr/lib/x86_64-linux-gnu/libcudnn_engines* 2>&1
    python3 -c "import torch; print('torch', torch.__version__, 'cudnn', torch.backends.cudnn.version(), torch.__file__)"
    nvidia-smi; } > "$W/res/cudnn.txt" 2>&1
  EMOVOICE_CUDA_CONV=cudnn run probe-fp32-cudnn 150 "${TSX[@]}" "${E[@]}" --repeats 3 --trace /tmp/probe-trace --label cudnn
  run probe-fp32-matmul 150 "${TSX[@]}" "${E[@]}" --repeats 3 --trace /tmp/probe-trace --label matmul
  EMOVOICE_CUDA_CONV=gather run probe-fp32-gather 150 "${TSX[@]}" "${E[@]}" --repeats 3 --trace /tmp/probe-trace --label gather
  cd "$HERE"
}
# the last minutes of a session: the MatMul form's probe, verify and a short bench
quick() {
  env_gpu
  run probe-fp32-matmul2 120 node node_modules/tsx/dist/cli.mjs bench/gpu/probe.ts "${E[@]}" --repeats 3 --label matmul
  run ev-verify-cuda-matmul 150 $EV verify "${E[@]}" --wer-sentences 0 --backend cuda --json
  run ev-bench-fp32-matmul 200 $EV bench --backend cuda --streams 1,4,16 --requests 10 --json "${E[@]}" --baseline-mode eager-fp32
  cd "$HERE"
}
# the GPU suite itself (`npm run test:gpu`): vitest travels in .dev18/v (carried by this call), the tests come from the call's tree
gpu_tests() {
  env_gpu
  [ -f "$HERE/.dev18/v/vitest.tar.xz" ] && tar -xJf "$HERE/.dev18/v/vitest.tar.xz" -C "$R"
  rm -rf "$R/test" && cp -r "$HERE/test" "$R/test" && cp "$HERE"/vitest*.config.ts "$R/" 2>/dev/null
  run test-gpu 500 node node_modules/vitest/vitest.mjs run test/gpu
  cd "$HERE"
}
# the parts of one request overlapped (serving.overlap_parts): each module is a session in a thread of its own,
# so the next part's encoders can run while the part before is in the vocoder
ev_overlap() {
  env_gpu
  run ev-bench-fp16-overlap 300 $EV "${BENCH[@]}" "${E[@]}" --set defaults.precision=fp16 --set serving.overlap_parts=true --baseline-mode eager-fp16
  run ev-bench-fp32-overlap 250 $EV "${BENCH[@]}" "${E[@]}" --set serving.overlap_parts=true --baseline none
  EMOVOICE_CUDA_CONV=gather run ev-bench-fp16-gather 300 $EV "${BENCH[@]}" "${E[@]}" --set defaults.precision=fp16 --baseline none
  cd "$HERE"
}
# the gather form and the overlapped parts together, FP16 and FP32 (no baseline: ev-bench's are beside them)
ev_combo() {
  env_gpu
  EMOVOICE_CUDA_CONV=gather run ev-bench-fp16-gather-overlap 300 $EV "${BENCH[@]}" "${E[@]}" --set defaults.precision=fp16 --set serving.overlap_parts=true --baseline none
  EMOVOICE_CUDA_CONV=gather run ev-bench-fp32-gather-overlap 250 $EV "${BENCH[@]}" "${E[@]}" --set serving.overlap_parts=true --baseline none
  EMOVOICE_CUDA_CONV=gather run ev-verify-cuda-fp16-gather 420 $EV verify "${E[@]}" --wer-sentences 0 --backend cuda --precision fp16 --json
  cd "$HERE"
}
ev_compile() {
  env_gpu
  run ev-bench-fp16-compile 420 $EV "${BENCH[@]}" "${E[@]}" --set defaults.precision=fp16 --baseline-mode compile-fp16
  cd "$HERE"
}

for stage in "$@"; do
  case $stage in
    store) store ;;
    setup) setup ;;
    piper-verify) piper_verify ;;
    piper-bench) piper_bench ;;
    ev-export) ev_export ;;
    ev-verify) ev_verify ;;
    ev-verify16) ev_verify16 ;;
    ev-bench) ev_bench ;;
    ev-compile) ev_compile ;;
    probe) probe ;;
    quick) quick ;;
    gpu-tests) gpu_tests ;;
    ev-overlap) ev_overlap ;;
    ev-combo) ev_combo ;;
    *) echo "unknown stage $stage" >&2; exit 2 ;;
  esac
done
save
for f in "$W"/res/*.log; do echo "--- $(basename "$f"): $(tail -c 300 "$f" | tr '\n' ' ')"; done 2>/dev/null | tail -c 6000
