#!/usr/bin/env bash
# The code that travels over the base commit the GPU machine receives: every file changed or added since
# BASE (tracked or not), tsx (to run the TypeScript sources as bin/emovoice.js does), and device.sh.
#   bash bench/gpu/pack-code.sh DEST [BASE]
set -euo pipefail
DEST=$1; BASE=${2:-HEAD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$DEST/code" "$DEST/s"
{ git diff --name-only --diff-filter=AMR "$BASE"; git ls-files --others --exclude-standard; } | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done > "$DEST/code/files"
tar -cJf "$DEST/code/code.tar.xz" -T "$DEST/code/files" node_modules/tsx
cp bench/gpu/device.sh "$DEST/s/device.sh"
# the real alsa-utils recordings the EmotiVoice exporter takes its reference voice from (ALSA_SOUNDS there)
tar -cf "$DEST/code/alsa.tar" -C "${ALSA_SOUNDS:-/usr/share/sounds/alsa}" Front_Center.wav Front_Left.wav Front_Right.wav Rear_Center.wav
echo "code: $(wc -l < "$DEST/code/files") files, $(stat -c %s "$DEST/code/code.tar.xz") bytes" >&2
