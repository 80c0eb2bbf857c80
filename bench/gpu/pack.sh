#!/usr/bin/env bash
# This machine's side of bench/gpu/device.sh: builds what the GPU machine lacks and cuts it into parts
# that fit a call (64 MiB with the tree: parts of 44 MB), in DEST/p1 … DEST/pN, plus DEST/code (the
# changed files over the base commit the GPU machine receives) and DEST/s (device.sh itself).
#   bash bench/gpu/pack.sh WHEEL DEST [BASE]
# WHEEL: onnxruntime_gpu-1.30.0-…-manylinux…x86_64.whl (pip download onnxruntime-gpu==1.30.0 --no-deps).
# DEST: an ignored folder of the checkout the calls send (.git/info/exclude). BASE: the commit it is at.
set -euo pipefail
WHEEL=$(readlink -f "$1"); DEST=$2; BASE=${3:-HEAD}; PIPER=${PIPER:-1}   # PIPER=0: leave the Piper voice and espeak-ng out (6 parts instead of 7)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/ev18-pack.XXXX)
cd "$ROOT"
mkdir -p "$T/b" "$T/x"
# a portable Node, onnxruntime-node's production dependencies (Linux x64 binaries only)
xz -6 -T2 -c "$(readlink -f "$(command -v node)")" > "$T/b/node.xz"
npm ls --omit=dev --parseable --all 2>/dev/null | sed "s|$ROOT/||" | grep '^node_modules/' | grep -v '/node_modules/.*/node_modules/' | sort -u > "$T/deps"
tar -cf - --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' $(cat "$T/deps") | xz -6 -T2 > "$T/b/nm.tar.xz"
# the provider libraries from the wheel
(cd "$T/x" && unzip -q -o "$WHEEL" 'onnxruntime/capi/libonnxruntime_providers_*')
zstd -q -T2 -9 "$T/x/onnxruntime/capi/libonnxruntime_providers_cuda.so" -o "$T/b/cuda.so.zst"
tar -cJf "$T/b/providers-small.tar.xz" -C "$T/x/onnxruntime/capi" libonnxruntime_providers_shared.so libonnxruntime_providers_tensorrt.so
mkdir -p "$T/zstdbin/lib" && cp /usr/bin/zstd "$T/zstdbin/"
for l in $(ldd /usr/bin/zstd | awk '/=>/{print $3}' | grep -v 'libc.so\|libm.so\|libpthread'); do cp -L "$l" "$T/zstdbin/lib/"; done
tar -cJf "$T/b/zstdbin.tar.xz" -C "$T" zstdbin
# the Piper voice, 80 real calibration recordings, espeak-ng with its own libraries and data
[ "$PIPER" = 1 ] && tar -chf - models/joe | zstd -q -T2 -6 > "$T/b/joe.tar.zst"
python3 - "$T/b/speech.tar" <<'PY'
import sys, tarfile, yaml
m = yaml.safe_load(open("calibration/speech.yaml"))
with tarfile.open(sys.argv[1], "w") as t:
    for e in [e for e in m["entries"] if e["split"] == "calibration"][:80]:
        t.add(f"calibration/speech/{e['id']}.wav", arcname=f"speech/{e['id']}.wav")
PY
mkdir -p "$T/espeak/lib" && cp /usr/bin/espeak-ng "$T/espeak/bin-espeak-ng"
for l in $(ldd /usr/bin/espeak-ng | awk '/=>/{print $3}' | grep -v 'libc.so\|libm.so\|libstdc\|libgcc_s\|libpthread'); do cp -L "$l" "$T/espeak/lib/"; done
cp -r /usr/lib/x86_64-linux-gnu/espeak-ng-data "$T/espeak/"
printf '#!/bin/sh\nd=$(dirname "$(readlink -f "$0")")\nLD_LIBRARY_PATH="$d/lib" ESPEAK_DATA_PATH="$d" exec "$d/bin-espeak-ng" "$@"\n' > "$T/espeak/espeak-ng"
find "$T/espeak/espeak-ng-data" -name '*_dict' ! -name en_dict -delete   # English only
chmod +x "$T/espeak/espeak-ng"; [ "$PIPER" = 1 ] && tar -cJf "$T/b/espeak.tar.xz" -C "$T" espeak
bash bench/gpu/pack-code.sh "$DEST" "$BASE"
# one tar of them all, cut into parts of 44 MB, one folder each
rm -rf "$DEST"/p*; tar -cf "$T/bundle.tar" -C "$T/b" .
split -n $(( ($(stat -c %s "$T/bundle.tar") + 44000000 - 1) / 44000000 )) -d -a 2 "$T/bundle.tar" "$T/bundle.part."
i=1; for p in "$T"/bundle.part.*; do mkdir -p "$DEST/p$i"; mv "$p" "$DEST/p$i/"; i=$((i + 1)); done
rm -rf "$T"; ls -la "$DEST"/p*
