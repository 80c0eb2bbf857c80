#!/usr/bin/env bash
# The code that travels: this branch's files, tsx (to run the TypeScript sources as bin/emovoice.js does), and device.sh.
#   bash bench/gpu/pack-code.sh DEST [BASE]
set -euo pipefail
DEST=$1; BASE=${2:-HEAD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$DEST/code" "$DEST/s"
# this branch's committed tree (less models/ and test/, which the calls' own tree holds), and tsx: the checkout a
# call sends may be another commit (the session's main line), so nothing of it but models/ is used
git ls-files | grep -v '^models/\|^test/' > "$DEST/code/files"
tar -cJf "$DEST/code/code.tar.xz" -T "$DEST/code/files" node_modules/tsx
cp bench/gpu/device.sh "$DEST/s/device.sh"
# the real alsa-utils recordings the EmotiVoice exporter takes its reference voice from (ALSA_SOUNDS there)
tar -cf "$DEST/code/alsa.tar" -C "${ALSA_SOUNDS:-/usr/share/sounds/alsa}" Front_Center.wav Front_Left.wav Front_Right.wav Rear_Center.wav
echo "code: $(wc -l < "$DEST/code/files") files, $(stat -c %s "$DEST/code/code.tar.xz") bytes" >&2
