// Benchmark (not a test): end-to-end synthesis on the ONNX Runtime CPU backend, per stage, for the
// bundled tiny model and (when exported) base, side by side with PyTorch eager on the same machine
// and the same inputs (reference/emovoice_ref/bench.py). Prints a table and writes bench/out/synth.json.
//   npm run bench [-- --repeats 5 --models tiny,base]
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadModelManifest } from '../src/model/manifest.ts';
import { makeRunners, synthModel } from '../src/synth/model.ts';
import { Pipeline, EmbeddingCache } from '../src/synth/pipeline.ts';
import { readNpz } from '../src/tensor/io.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const repeats = Number(opt('repeats', '5'));
const models = opt('models', 'tiny,base').split(',');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Row {
  model: string;
  backend: string;
  stages: Record<string, number>;
  totalMs: number;
  audioSeconds: number;
  rtf: number;
}

const rows: Row[] = [];
for (const name of models) {
  const manifestPath = resolve(ROOT, `models/${name}/manifest.yaml`);
  if (!existsSync(manifestPath)) {
    process.stderr.write(`skip ${name}: ${manifestPath} missing (export it with: node bin/emovoice.js export --config ${name} --out models/${name})\n`);
    continue;
  }
  const manifest = await loadModelManifest(manifestPath);
  const e2e = await readNpz(resolve(manifest.references.dir, 'e2e/hello.npz'));
  const ids = e2e.phoneme_ids!.data as Int32Array;
  const wav = e2e.wav_ref!.data as Float32Array;
  const model = await synthModel(manifest);
  const runners = makeRunners(manifest, 'ort');
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const per: Record<string, number[]> = {};
  const totals: number[] = [];
  let audioSeconds = 0;
  for (let i = 0; i < repeats + 1; i++) {
    // fresh cache each run: measure the style encoder too
    const p = new Pipeline(model, runners, new EmbeddingCache());
    const r = await p.synthesize({ phonemeIds: ids, reference: { samples: wav, sampleRate: model.sampleRate }, emotion: 'neutral' });
    if (i === 0) continue; // warm-up
    for (const s of r.stages) (per[s.stage] ??= []).push(s.ms);
    totals.push(r.totalMs);
    audioSeconds = r.audioSeconds;
  }
  await Promise.all(Object.values(runners).map((r) => r.close()));
  const stages = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)]));
  rows.push({ model: name, backend: 'onnxruntime-node (cpu)', stages, totalMs: median(totals), audioSeconds, rtf: median(totals) / 1000 / audioSeconds });

  const py = await execa('python3', ['-m', 'emovoice_ref.bench', '--model', resolve(ROOT, `models/${name}`), '--device', 'cpu', '--repeats', String(repeats), '--json'], {
    cwd: resolve(ROOT, 'reference'),
    reject: false,
  });
  if (py.exitCode === 0) {
    const j = JSON.parse(py.stdout) as { stages: Record<string, number>; total_ms: number; audio_seconds: number };
    rows.push({ model: name, backend: 'pytorch eager (cpu)', stages: j.stages, totalMs: j.total_ms, audioSeconds: j.audio_seconds, rtf: j.total_ms / 1000 / j.audio_seconds });
  } else {
    process.stderr.write(`PyTorch baseline for ${name} not run: ${py.stderr.trim().split('\n').pop()}\n`);
  }
}

const stageNames = [...new Set(rows.flatMap((r) => Object.keys(r.stages)))];
const header = ['model', 'backend', ...stageNames, 'total ms', 'audio s', 'RTF'];
const lines = rows.map((r) => [r.model, r.backend, ...stageNames.map((s) => (r.stages[s] ?? NaN).toFixed(1)), r.totalMs.toFixed(1), r.audioSeconds.toFixed(2), r.rtf.toFixed(3)]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
process.stdout.write([fmt(header), ...lines.map(fmt)].join('\n') + '\n');
for (const m of models) {
  const ort = rows.find((r) => r.model === m && r.backend.startsWith('onnx'));
  const pt = rows.find((r) => r.model === m && r.backend.startsWith('pytorch'));
  if (ort && pt) {
    // PyTorch's baseline starts from the precomputed reference log-mel, so compare the model stages only.
    const modelMs = (r: Row) => Object.entries(r.stages).filter(([k]) => k !== 'reference log-mel').reduce((a, [, v]) => a + v, 0);
    process.stdout.write(
      `${m}: model stages ONNX Runtime ${modelMs(ort).toFixed(1)} ms vs PyTorch eager ${modelMs(pt).toFixed(1)} ms → ${(modelMs(pt) / modelMs(ort)).toFixed(2)}× (>1 = ONNX Runtime faster; same machine, inputs, emotion)\n`,
    );
  }
}
await mkdir(resolve(ROOT, 'bench/out'), { recursive: true });
await writeFile(resolve(ROOT, 'bench/out/synth.json'), JSON.stringify({ date: new Date().toISOString(), repeats, rows }, null, 2) + '\n');
