// The last step of the calibration peer benchmark (a benchmark, not a test; `npm run bench:calibrate`):
// every INT8 QDQ model of the module — emovoice's (`calibrate --window N --save-inputs`, its <module>.quality.json report) and ONNX
// Runtime's (bench/calibrate_peer.py, ort.json), calibrated on the same windows — measured by the same
// code against FP32: SNR, LSD and MCD on the same held-out windows, and the WER of held-out sentences
// spoken by the graph with that model in the module's place (the rest FP32). Prints the table and writes
// bench/results/calibrate-peer-<model>-<machine>.json with the command and the machine's load.
//   npx tsx bench/calibrate_compare.ts [--report bench/out/calibrate/vocoder.quality.json] [--profile piper-joe-cpu] [--wer-sentences 8] [--out FILE]
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pickSentences, werVerdict } from '../src/asr/check.ts';
import { heldOutSentences, intelligibility, isSkipped, type IntelligibilityReport } from '../src/asr/intelligibility.ts';
import { probeRecognizer } from '../src/asr/whisper.ts';
import { fp32Pipeline, mcdMelConfig, measureQuality, type Quality } from '../src/calibrate/run.ts';
import { CONFIGS_DIR } from '../src/cli/common.ts';
import { loadModelManifest } from '../src/model/manifest.ts';
import { Pipeline } from '../src/pipeline/executor.ts';
import { loadProfile } from '../src/profile/load.ts';
import { OrtRunner } from '../src/runtime/ort.ts';
import { makeRunners } from '../src/synth/runners.ts';
import { readNpz } from '../src/tensor/io.ts';
import type { TensorMap } from '../src/tensor/tensor.ts';
import { speakingPath, werConditioning } from '../src/verify/wer.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { report: { type: 'string', default: 'bench/out/calibrate/vocoder.quality.json' }, profile: { type: 'string', default: 'piper-joe-cpu' }, 'wer-sentences': { type: 'string', default: '8' }, out: { type: 'string' } } });
const report = resolve(ROOT, values.report!);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
const loadAtStart = loadavg();

interface Ours { module: string; model: string; method: string; calibration: { inputs: number; seconds: number; window?: number }; outputs: { qdqModel: string; inputs?: string }; keptInFloat: string[] }
interface Ort { onnxruntime: string; settings: string; calibration_inputs: number; input_shape: number[]; models: { method: string; file: string; seconds: number; quantize_linear: number }[] }
const ours = JSON.parse(await readFile(report, 'utf8')) as Ours;
const ort = JSON.parse(await readFile(resolve(dirname(report), 'ort.json'), 'utf8')) as Ort;
const { profile } = await loadProfile(values.profile!, { configsDir: CONFIGS_DIR, overrides: [] });
const manifest = await loadModelManifest(profile.model);
const module = ours.module;
const kinds = Object.fromEntries(Object.entries(manifest.modules[module]!.outputs).map(([k, t]) => [k, t.kind]));

// the held-out windows emovoice saved: heldout/<index>/<input>
const saved = await readNpz(ours.outputs.inputs!);
const byIndex = new Map<string, TensorMap>();
for (const [k, t] of Object.entries(saved)) {
  const [split, i, name] = k.split('/') as [string, string, string];
  if (split === 'heldout') byIndex.set(i, { ...(byIndex.get(i) ?? {}), [name]: t });
}
const held = [...byIndex.keys()].sort().map((i) => byIndex.get(i)!);

const candidates = [
  { name: `emovoice ${ours.method}${ours.keptInFloat.length ? ` (${ours.keptInFloat.length} kept in float)` : ''}`, file: ours.outputs.qdqModel, seconds: ours.calibration.seconds },
  ...ort.models.map((m) => ({ name: `onnxruntime ${m.method}`, file: m.file, seconds: m.seconds })),
];

// quality on the held-out windows, every model against the same FP32 runs
const fp32 = new OrtRunner(ours.model);
await fp32.load();
const mel = Object.values(kinds).includes('waveform') ? mcdMelConfig(manifest.audio) : undefined;
const quality: Quality[] = [];
for (const c of candidates) {
  const r = new OrtRunner(c.file);
  await r.load();
  quality.push(await measureQuality(kinds, fp32, r, held, mel));
  await r.close();
}
await fp32.close();

// WER: the held-out sentences spoken by the FP32 graph once, then with each model in the module's place
const probe = await probeRecognizer();
const sentences = pickSentences(await heldOutSentences(resolve(ROOT, 'calibration/speech.yaml'), 'en'), Number(values['wer-sentences']));
let wer: { fp32: IntelligibilityReport; candidates: IntelligibilityReport[] } | { skipped: string };
if (!probe.ok) wer = { skipped: `speech recogniser not installed: ${probe.reason}` };
else {
  const graph = await fp32Pipeline(manifest, profile.serving);
  const conditioning = await werConditioning(manifest);
  const hear = async (p: Pipeline, label: string) => {
    const r = await intelligibility({ sentences, synthesize: speakingPath(label, p, conditioning).synthesize, recognizer: probe.recognizer });
    if (isSkipped(r)) throw new Error(r.skipped);
    return r;
  };
  try {
    const base = await hear(graph, 'FP32');
    const each: IntelligibilityReport[] = [];
    for (const c of candidates) {
      const runners = makeRunners(manifest, 'ort', { onnx: { [module]: c.file } });
      await Promise.all(Object.values(runners).map((r) => r.load()));
      try {
        each.push(await hear(new Pipeline(graph.model, runners), c.name));
      } finally {
        await Promise.all(Object.values(runners).map((r) => r.close()));
      }
    }
    wer = { fp32: base, candidates: each };
  } finally {
    await graph.close();
  }
}

const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const head = `${''.padEnd(36)} ${'SNR dB'.padStart(7)} ${'LSD dB'.padStart(7)} ${'MCD dB'.padStart(7)} ${'WER'.padStart(6)} ${'ΔWER'.padStart(7)} ${'calib s'.padStart(8)}`;
const rows = [head];
if (!('skipped' in wer)) rows.push(`${'FP32 (the reference)'.padEnd(36)} ${''.padStart(7)} ${''.padStart(7)} ${''.padStart(7)} ${f(wer.fp32.wer, 3).padStart(6)}`);
candidates.forEach((c, i) => {
  const q = quality[i]!;
  const w = 'skipped' in wer ? undefined : wer.candidates[i]!.wer;
  const d = w === undefined || 'skipped' in wer ? undefined : werVerdict(wer.fp32.wer, w, 0.05).increase;
  rows.push(`${c.name.padEnd(36)} ${f(q.snrDb).padStart(7)} ${f(q.lsdDb).padStart(7)} ${f(q.mcdDb).padStart(7)} ${f(w, 3).padStart(6)} ${(d === undefined ? '-' : `${d >= 0 ? '+' : ''}${d.toFixed(3)}`).padStart(7)} ${f(c.seconds, 1).padStart(8)}`);
});
const load = `load average ${loadAtStart.map((x) => x.toFixed(1)).join(' / ')} at the start, ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end (1 / 5 / 15 min)`;
const text = [
  `INT8 ${module} of ${manifest.name}: emovoice calibrate vs onnxruntime.quantization ${ort.onnxruntime} on the same ${ort.calibration_inputs} calibration windows of shape [${ort.input_shape.join(', ')}]`,
  `quality against FP32 on the same ${held.length} held-out windows; WER of ${sentences.length} held-out sentences through the graph with each model as the ${module} (the rest FP32)${'skipped' in wer ? ` — WER skipped: ${wer.skipped}` : ''}`,
  `machine: ${machine}; ${load}`,
  '',
  ...rows,
  '',
  `onnxruntime: ${ort.settings}`,
  `emovoice: symmetric int8 activations at the inputs of Conv/ConvTranspose/MatMul/Gemm, per-channel weights (TensorRT's explicit quantization); calibration seconds include its own FP32 runs with every tensor exposed`,
].join('\n');
process.stdout.write(text + '\n');
const out = values.out ?? resolve(ROOT, `bench/results/calibrate-peer-${manifest.name}-${cpus().length}core.json`);
await writeFile(
  out,
  JSON.stringify(
    {
      command: 'npm run bench:calibrate',
      machine,
      load,
      date: new Date().toISOString(),
      model: manifest.name,
      module,
      heldoutWindows: held.length,
      calibrationWindows: ort.calibration_inputs,
      window: ours.calibration.window,
      onnxruntime: { version: ort.onnxruntime, settings: ort.settings },
      results: candidates.map((c, i) => ({ name: c.name, calibrationSeconds: c.seconds, ...quality[i], wer: 'skipped' in wer ? null : wer.candidates[i]!.wer })),
      wer: 'skipped' in wer ? wer : { fp32: wer.fp32.wer, sentences, recognizer: wer.fp32.recognizer, transcripts: { fp32: wer.fp32.sentences.map((s) => s.transcript), ...Object.fromEntries(candidates.map((c, i) => [c.name, (wer as { candidates: IntelligibilityReport[] }).candidates[i]!.sentences.map((s) => s.transcript)])) } },
      table: text,
    },
    null,
    2,
  ) + '\n',
);
process.stdout.write(`\nwrote ${out}\n`);
