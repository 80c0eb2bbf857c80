#!/usr/bin/env bash
# The installed package, as a user gets it. Packs the tarball (`prepack` compiles dist/), installs it
# with `npm install -g` into a temporary prefix, and from a temporary folder outside the repository
# runs: --help, --version, doctor, synth with the bundled tiny model, init + synth on the starter
# profile, the bash completion, and the library entry with its type declarations. Fails on the first
# broken step. Non-interactive; needs the npm registry or npm's cache (npm ci fills it).
#   usage: scripts/pack-test.sh [OUT_DIR]   OUT_DIR keeps what the steps printed, for test/cli/package.test.ts
# ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install script would fetch CUDA binaries; the CPU
# build is in its npm package.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# a space in every path (prefix, package, working folder): users install under such folders
tmp="$(mktemp -d "${TMPDIR:-/tmp}/emovoice pack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
out="${1:-$tmp/out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export ONNXRUNTIME_NODE_INSTALL=skip
unset EMOVOICE_HOME EMOVOICE_CACHE
export EMOVOICE_CACHE="$tmp/cache"

ref="${EMOVOICE_REF:-$repo/data/ref-alsa.wav}"
if [ ! -f "$ref" ]; then
  echo "error: $ref: the reference voice is missing (fix: run scripts/setup.sh, which makes it from the alsa-utils recordings)" >&2
  exit 2
fi

start=$SECONDS
step() { printf '[pack-test %3ds] %s\n' "$((SECONDS - start))" "$*"; }
fail() { echo "error: pack-test: $*" >&2; exit 1; }

step "npm pack (prepack compiles dist/)"
(cd "$repo" && npm pack --json --pack-destination "$tmp" >"$tmp/pack.json" 2>"$tmp/pack.log") || { cat "$tmp/pack.log" >&2; fail "npm pack failed"; }
cp "$tmp/pack.json" "$out/pack.json"
tgz="$tmp/$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].filename)' "$tmp/pack.json")"
step "$(basename "$tgz"): $(du -k "$tgz" | cut -f1) KiB"

step "npm install -g into a temporary prefix"
npm install -g --prefix "$tmp/prefix" --no-audit --no-fund --prefer-offline "$tgz" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "npm install -g failed"; }
export PATH="$tmp/prefix/bin:$PATH"
pkg="$tmp/prefix/lib/node_modules/emovoice"
[ "$(command -v emovoice)" = "$tmp/prefix/bin/emovoice" ] || fail "emovoice on PATH is $(command -v emovoice), not the installed one"
[ ! -e "$pkg/src" ] && [ ! -e "$pkg/test" ] || fail "the package ships src/ or test/"

work="$tmp/work"
mkdir -p "$work"
cd "$work"
cp "$ref" voice.wav

step "emovoice --help / --version"
emovoice --help >"$out/help.txt"
grep -q '^  synth ' "$out/help.txt" || fail "--help lists no synth command"
emovoice --version >"$out/version.txt"
[ "$(cat "$out/version.txt")" = "$(node -p 'require(process.argv[1]).version' "$repo/package.json")" ] || fail "--version is not package.json's"

step "emovoice doctor"
code=0
emovoice doctor --json >"$out/doctor.json" || code=$?
# 1 = a bundled profile has problems (a10g-int8 names a calibration cache that `calibrate` writes)
[ "$code" -le 1 ] || fail "doctor exited $code"

step "emovoice synth with the bundled tiny model"
emovoice synth "Hello world, 你好世界" --ref voice.wav --out hello.wav --json >"$out/synth.json"
cp hello.wav "$out/hello.wav"

step "emovoice init, then synth on the starter profile"
mkdir my-voice
# the user's export: the tiny model's files (ONNX, symbols, emotion table) without its manifest
(cd my-voice && emovoice init >"$out/init.txt" && find "$pkg/models/tiny" -maxdepth 1 -type f ! -name manifest.yaml -exec cp {} . \; \
  && emovoice synth "Hello" --ref ../voice.wav --profile ./emovoice.yaml --out mine.wav --json >"$out/init-synth.json")
cp my-voice/emovoice.yaml my-voice/manifest.yaml "$out/"

step "emovoice completion bash"
emovoice completion bash >"$out/completion.bash"
# shellcheck disable=SC2016
bash -c 'source "$1"; COMP_WORDS=(emovoice sy); COMP_CWORD=1; _emovoice; echo "${COMPREPLY[*]}"' _ "$out/completion.bash" >"$out/completion-words.txt"
[ "$(cat "$out/completion-words.txt")" = synth ] || fail "bash completion of 'emovoice sy' gave '$(cat "$out/completion-words.txt")'"

step "the library entry and its type declarations"
# a module inside the prefix's lib/ resolves 'emovoice' through lib/node_modules, as a project's would
cat >"$tmp/prefix/lib/check.mts" <<'EOF'
import { CONFIGS_DIR, loadProfile, planBuild, moduleSpecs, loadModelManifest, type LoadedProfile } from 'emovoice';
const loaded: LoadedProfile = await loadProfile('a10g-fp16', { configsDir: CONFIGS_DIR });
const manifest = await loadModelManifest(loaded.profile.model);
const plan = planBuild({
  profile: { name: loaded.profile.name, path: loaded.file, sha256: loaded.sha256 },
  outputDir: loaded.profile.output,
  modules: moduleSpecs(loaded, manifest),
  tensorrt: { version: '10.3.0', dialect: 'trt10', exe: null },
});
// @ts-expect-error: a name is a string; this line type-checks only if the declarations did not resolve
const wrong: number = loaded.profile.name;
console.log(JSON.stringify({ profile: loaded.profile.name, modules: plan.modules.map((m) => m.module), wrong: typeof wrong }));
EOF
node "$repo/node_modules/typescript/bin/tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext \
  --skipLibCheck --types node --typeRoots "$repo/node_modules/@types" "$tmp/prefix/lib/check.mts" || fail "the type declarations do not check"
sed 's/, type LoadedProfile//; s/: LoadedProfile//; s/: number//' "$tmp/prefix/lib/check.mts" >"$tmp/prefix/lib/check.mjs"
node "$tmp/prefix/lib/check.mjs" >"$out/library.json"

step "ok: the installed package works outside the repository"
