#!/usr/bin/env bash
# The code that travels: this branch's files, tsx (to run the TypeScript sources as bin/emovoice.js does), and device.sh.
#   bash bench/gpu/pack-code.sh DEST [BASE]
set -euo pipefail
DEST=$1; BASE=${2:-HEAD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$DEST/code" "$DEST/s" "$DEST/v"
# this branch's committed tree (less models/ and test/, which the calls' own tree holds), and tsx: the checkout a
# call sends may be another commit (the session's main line), so nothing of it but models/ is used
git ls-files | grep -v '^models/\|^test/' > "$DEST/code/files"
tar -cJf "$DEST/code/code.tar.xz" -T "$DEST/code/files" node_modules/tsx
cp bench/gpu/device.sh "$DEST/s/device.sh"
# vitest and its dependency closure (a dev dependency, absent from the production bundle), for `device.sh gpu-tests`
node -e '
const fs = require("fs"), path = require("path"), seen = new Set();
const visit = (name, from) => {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const p = path.join(dir, "node_modules", name);
    if (fs.existsSync(p)) {
      if (seen.has(p)) return;
      seen.add(p);
      const pj = JSON.parse(fs.readFileSync(path.join(p, "package.json"), "utf8"));
      for (const d of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) visit(d, p);
      return;
    }
    if (path.dirname(dir) === dir) return;
  }
};
visit("vitest", process.cwd());
console.log([...seen].map((p) => path.relative(process.cwd(), p)).join("\n"));
' > "$DEST/v/files"
# its own folder: carried only by the call that runs the suite (a part and the code fill a call)
tar -cJf "$DEST/v/vitest.tar.xz" -T "$DEST/v/files" 2>/dev/null || true
# the real alsa-utils recordings the EmotiVoice exporter takes its reference voice from (ALSA_SOUNDS there)
tar -cf "$DEST/code/alsa.tar" -C "${ALSA_SOUNDS:-/usr/share/sounds/alsa}" Front_Center.wav Front_Left.wav Front_Right.wav Rear_Center.wav
echo "code: $(wc -l < "$DEST/code/files") files, $(stat -c %s "$DEST/code/code.tar.xz") bytes" >&2
