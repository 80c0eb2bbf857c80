// `npm run bench` (a benchmark, not a test): `emovoice bench` on every CPU profile whose model is here —
// the bundled tiny reference model, the EmotiVoice-family tiny, and the real Piper voice when set-up
// imported it (in FP32, and with the INT8 vocoder set-up calibrated) — each next to its baseline (PyTorch eager,
// piper-tts for the Piper voice) on the same machine, token ids, sentence parts
// and conditioning. Prints each before/after table with the machine it ran on; keeps the JSON reports
// in bench/out/. Extra arguments go to every `emovoice bench` (e.g. -- --text-seconds 5 --streams 1,2).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const PROFILES = ['cpu', 'emotivoice-cpu', 'piper-joe-cpu', 'piper-joe-cpu-int8'];
const extra = process.argv.slice(2);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
await mkdir(resolve(ROOT, 'bench/out'), { recursive: true });
process.stdout.write(`machine: ${machine}\n\n`);
let failed = 0;
for (const profile of PROFILES) {
  if (!existsSync(resolve(ROOT, `configs/${profile}.yaml`))) continue;
  const bin = resolve(ROOT, 'bin/emovoice.js');
  const json = await execa('node', [bin, 'bench', '--profile', profile, '--json', ...extra], { cwd: ROOT, reject: false, stderr: 'inherit' });
  if (json.exitCode !== 0) {
    // a model that set-up could not install (the Piper voice without Python) is said, not hidden
    process.stdout.write(`${profile}: not run (exit ${json.exitCode}); see the error above\n\n`);
    if (profile === 'cpu') failed++;
    continue;
  }
  const report = { machine, date: new Date().toISOString(), command: `emovoice bench --profile ${profile} ${extra.join(' ')}`.trim(), ...JSON.parse(json.stdout) };
  await writeFile(resolve(ROOT, `bench/out/${profile}.json`), JSON.stringify(report, null, 2) + '\n');
  const text = await execa('node', [bin, 'bench', '--profile', profile, ...extra], { cwd: ROOT, reject: false });
  process.stdout.write(`${text.stdout}\n\n`);
}
process.exitCode = failed ? 1 : 0;
