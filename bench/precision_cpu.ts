// verify-style FP16/BF16 results of the strongly typed conversion on ONNX Runtime's CPU: every module of
// the bundled tiny model, converted with a profile's settings and ranges measured on real speech, against
// the PyTorch FP32 references (models/tiny/refs/<module>/*.npz), plus the end-to-end audio of
// refs/e2e/hello through the converted modules. Prints a table and writes JSON.
//
//   npx tsx bench/precision_cpu.ts [--profile a10g-fp16] [--samples 32] [--out bench/results/cpu-precision-tiny.json]
//
// Files compared: `cpu` is what the CPU backend runs (the engine's FP16 storage emulated in FP32, the file
// precisionModel returns for runtime 'cpu'); `typed` is the file TensorRT builds, run as ONNX Runtime runs
// FP16 (nodes without an FP16 kernel upcast and chained in FP32, so it shows less error than an engine).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { speechModuleInputs } from '../src/calibrate/speech-inputs.ts';
import { cosineSimilarity, logSpectralDistance, melCepstralDistortion, relL2, snrDb } from '../src/compare/metrics.ts';
import { writeFileAtomic } from '../src/core/files.ts';
import { loadModelManifest } from '../src/model/manifest.ts';
import { precisionModel } from '../src/precision/model.ts';
import { loadProfile } from '../src/profile/load.ts';
import { OrtRunner } from '../src/runtime/ort.ts';
import { resolveConditioning } from '../src/pipeline/conditioning.ts';
import { Pipeline } from '../src/pipeline/executor.ts';
import { openModel } from '../src/pipeline/model.ts';
import { makeRunners } from '../src/synth/runners.ts';
import { readNpz } from '../src/tensor/io.ts';
import type { TensorMap } from '../src/tensor/tensor.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: { profile: { type: 'string', default: 'a10g-fp16' }, samples: { type: 'string', default: '32' }, out: { type: 'string', default: join(ROOT, 'bench/results/cpu-precision-tiny.json') } },
});
const CASES = ['short', 'typical', 'max'];
const out = await mkdtemp(join(tmpdir(), 'ev-precision-bench-'));
const manifest = await loadModelManifest(join(ROOT, 'models/tiny/manifest.yaml'));
const speech = await speechModuleInputs(manifest, { samples: Number(args.samples) });
const made = new Map<string, TensorMap[]>();
const inputs = async function* (module: string) {
  if (!made.has(module)) {
    const list: TensorMap[] = [];
    for await (const f of speech.inputs(module)) list.push(f);
    made.set(module, list);
  }
  yield* made.get(module)!;
};

type Variant = { name: string; precision: 'fp16' | 'bf16'; runtime: 'cpu' | 'trt' };
const VARIANTS: Variant[] = [
  { name: 'fp16 cpu (emulated engine)', precision: 'fp16', runtime: 'cpu' },
  { name: 'fp16 typed on ORT', precision: 'fp16', runtime: 'trt' },
  { name: 'bf16 cpu (emulated engine)', precision: 'bf16', runtime: 'cpu' },
];
const files: Record<string, Record<string, string>> = {};
const modules: Record<string, unknown>[] = [];
for (const v of VARIANTS) {
  const profile = await loadProfile(args.profile!, { configsDir: join(ROOT, 'configs'), overrides: [`output=${out}`, `defaults.precision=${v.precision}`] });
  files[v.name] = {};
  for (const [module, spec] of Object.entries(manifest.modules)) {
    const m = await precisionModel({ profile, manifest, module, precision: v.precision, runtime: v.runtime, inputs, inputsKey: speech.key });
    files[v.name]![module] = m.file;
    const r = new OrtRunner(m.file);
    await r.load();
    for (const c of CASES) {
      const ref = await readNpz(join(ROOT, 'models/tiny/refs', module, `${c}.npz`));
      const got = await r.infer(Object.fromEntries(Object.keys(spec.inputs).map((k) => [k, ref[k]!])));
      for (const k of Object.keys(spec.outputs)) {
        const a = got[k]!.data as Float32Array;
        const b = ref[k]!.data as Float32Array;
        modules.push({ variant: v.name, module, case: c, output: k, rel_l2: relL2(a, b), cosine: cosineSimilarity(a, b), kept_fp32: m.report!.kept.length, float_nodes: m.report!.floatNodes });
      }
    }
    await r.close();
  }
}

// end to end: refs/e2e/hello through the converted modules, durations from the converted acoustic encoder
const hello = await readNpz(join(ROOT, 'models/tiny/refs/e2e/hello.npz'));
const e2e: Record<string, unknown>[] = [];
for (const v of VARIANTS.filter((x) => x.runtime === 'cpu')) {
  // the request of the reference case (its voice, ids and emotion) through the executor, every module converted
  const runners = makeRunners(manifest, 'ort', { onnx: files[v.name] });
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const model = await openModel(manifest);
  const r = await new Pipeline(model, runners).run({
    sentence: { text: '', ids: hello.phoneme_ids!.data as Int32Array },
    conditioning: resolveConditioning(model, { ref: { samples: hello.wav_ref!.data as Float32Array, sampleRate: manifest.audio.sample_rate }, emotion: 'neutral' }),
  });
  await Promise.all([...Object.values(runners).map((x) => x.close()), model.close()]);
  const d = r.intermediates.durations!.data as Int32Array;
  const sameDurations = d.length === hello.durations!.data.length && d.every((x, i) => x === (hello.durations!.data as Int32Array)[i]);
  const mel = r.intermediates.mel!;
  const wav = r.waveform;
  const refWav = hello.waveform!.data as Float32Array;
  const row: Record<string, unknown> = { variant: v.name, same_durations: sameDurations, samples: wav.length, reference_samples: refWav.length };
  if (wav.length === refWav.length) {
    row.snr_db = snrDb(wav, refWav);
    row.lsd_db = logSpectralDistance(wav, refWav);
    row.mel_rel_l2 = relL2(mel.data as Float32Array, hello.mel!.data as Float32Array);
    row.mcd_db = melCepstralDistortion(mel.data as Float32Array, hello.mel!.data as Float32Array, mel.shape);
  }
  e2e.push(row);
}
await speech.close();

const worst = new Map<string, number>();
for (const r of modules as { variant: string; module: string; rel_l2: number }[]) {
  const k = `${r.variant}|${r.module}`;
  worst.set(k, Math.max(worst.get(k) ?? 0, r.rel_l2));
}
console.log(`${'variant'.padEnd(28)} ${'module'.padEnd(17)} worst rel-L2 (3 reference cases, every output)`);
for (const [k, w] of worst) {
  const [variant, module] = k.split('|');
  console.log(`${variant!.padEnd(28)} ${module!.padEnd(17)} ${w.toExponential(2)}`);
}
for (const r of e2e) {
  const audio = r.snr_db === undefined ? `audio not comparable: ${r.samples} samples vs the reference's ${r.reference_samples}` : `SNR ${Number(r.snr_db).toFixed(1)} dB, LSD ${Number(r.lsd_db).toFixed(3)} dB, MCD ${Number(r.mcd_db).toFixed(3)} dB`;
  console.log(`e2e hello, ${String(r.variant).padEnd(28)} ${audio}, durations ${r.same_durations ? 'equal to the reference' : 'differ from the reference (a phoneme rounded to another frame count)'}`);
}
const report = {
  what: 'strongly typed conversion of the bundled tiny model (ranges measured on real speech), each module against the PyTorch FP32 references on ONNX Runtime CPU, and refs/e2e/hello end to end',
  command: `npx tsx bench/precision_cpu.ts --profile ${args.profile} --samples ${args.samples}`,
  profile: args.profile,
  speech_inputs_per_module: Number(args.samples),
  date: new Date().toISOString().slice(0, 10),
  worst: Object.fromEntries(worst),
  e2e,
  modules,
};
await writeFileAtomic(resolve(args.out!), JSON.stringify(report, null, 1) + '\n');
console.log(`wrote ${args.out}`);
