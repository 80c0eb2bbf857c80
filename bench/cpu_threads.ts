// Thread settings of the CPU sessions, side by side (a benchmark, not a test): the profile's model served
// as `emovoice synth` serves it (makeRunners: the modules' sessions in one worker thread), once per
// setting, in one process, the settings taking turns request by request so that other load on the
// machine hits each alike. Per setting: mean and P50 latency, and CPU time per request (all threads),
// which shows what spinning burns. `before` is the runner layout before issue 19: one worker thread
// per module, the module's own files, a memory pattern per shape. `lanes2` / `lanes1`: the vocoder on
// two one-thread sessions taking a request's chunks side by side (serving.chunk_lanes) / on one session;
// `overlap*`: lanes2 with a request's parts overlapped (serving.overlap_parts); `profile`: what the
// profile's serving: says (chunk_lanes, intra_op_threads, overlap_parts). Other settings run parts one at a time.
// A model that needs conditioning (reference audio) gets its first end-to-end case's; `--text-seconds N`
// speaks the model's sample sentence repeated to about N seconds, as `emovoice bench` does.
//   npx tsx bench/cpu_threads.ts [--profile piper-joe-cpu] [--sentences s.json] [--rounds 2]
//        [--settings before,default,threads1,spin100,spin1000,lanes1,lanes2] [--text-seconds 15]
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadModelManifest } from '../src/model/manifest.ts';
import { Pipeline } from '../src/pipeline/executor.ts';
import { openModel } from '../src/pipeline/model.ts';
import { loadProfile } from '../src/profile/load.ts';
import { OrtThreadRunner } from '../src/runtime/ort-thread.ts';
import type { Runner } from '../src/runtime/runner.ts';
import { cpuModels } from '../src/synth/precision.ts';
import { makeRunners, servingRunnerOptions } from '../src/synth/runners.ts';
import { synthesizeText } from '../src/synth/speak.ts';
import { CONFIGS_DIR } from '../src/cli/common.ts';
import { textFor } from '../src/cli/bench.ts';
import { e2eCases } from '../src/verify/e2e.ts';

/** The bench's text of about `seconds` of speech, measured on a pipeline of its own (closed after). */
async function probeText(seconds: number): Promise<string> {
  const r = runners({}, 1);
  await Promise.all(Object.values(r).map((x) => x.load()));
  try {
    return await textFor(new Pipeline(model, r), conditioning, seconds);
  } finally {
    await Promise.all(Object.values(r).map((x) => x.close()));
  }
}

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'piper-joe-cpu' },
    sentences: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    settings: { type: 'string', default: 'before,default,threads1,spin100' },
    'text-seconds': { type: 'string' },
  },
});
const loaded = await loadProfile(values.profile!, { configsDir: CONFIGS_DIR, overrides: [] });
const manifest = await loadModelManifest(loaded.profile.model);
const model = await openModel(manifest, loaded.profile.serving ?? {});
const cpu = await cpuModels(loaded, manifest, undefined, { log: (m) => process.stderr.write(`${m}\n`) });
const runners = (ort: NonNullable<Parameters<typeof makeRunners>[2]>['ort'], chunkLanes?: number) => makeRunners(manifest, 'ort', { onnx: cpu.files, ort, chunkLanes });
const settings: Record<string, () => Record<string, Runner>> = {
  before: () => Object.fromEntries(Object.entries(manifest.modules).map(([k, m]) => [k, new OrtThreadRunner(m.file)])),
  default: () => runners({}),
  profile: () => makeRunners(manifest, 'ort', { onnx: cpu.files, ...servingRunnerOptions(loaded.profile.serving) }),
  threads1: () => runners({ intraOpThreads: 1 }),
  spin100: () => runners({ spinning: true, spinMicroseconds: 100 }),
  spin1000: () => runners({ spinning: true, spinMicroseconds: 1000 }),
  spin20: () => runners({ spinning: true, spinMicroseconds: 20 }),
  spin: () => runners({ spinning: true }),
  pattern: () => runners({ memPattern: true }),
  lanes1: () => runners({}, 1),
  lanes2: () => runners({}, 2),
  lanes2threads1: () => runners({ intraOpThreads: 1 }, 2),
  overlap: () => runners({}, 2),
  overlapthreads1: () => runners({ intraOpThreads: 1 }, 2),
};
const pick = values.settings!.split(',');
for (const p of pick) if (!settings[p]) throw new Error(`unknown setting ${p}: ${Object.keys(settings).join(', ')}`);
const conditioning = (await e2eCases(manifest))[0]?.conditioning ?? {};
const sentences: string[] = values.sentences
  ? JSON.parse(await readFile(values.sentences, 'utf8'))
  : values['text-seconds']
    ? [await probeText(Number(values['text-seconds']))]
    : ['The quick brown fox jumps over the lazy dog.', 'front center', 'he was not an ill disposed young man', 'and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them'];
const pipes: Record<string, Pipeline> = {};
for (const p of pick) {
  const r = settings[p]!();
  await Promise.all(Object.values(r).map((x) => x.load()));
  // overlap*: the parts of a request overlapped (serving.overlap_parts), as the profile may set it
  pipes[p] = new Pipeline(p === 'profile' ? model : { ...model, overlapParts: p.startsWith('overlap') }, r);
  await synthesizeText(pipes[p]!, { text: sentences[0]!, conditioning }); // warm-up
}
const ms: Record<string, number[]> = Object.fromEntries(pick.map((p) => [p, []]));
const cpuMs: Record<string, number> = Object.fromEntries(pick.map((p) => [p, 0]));
const load0 = loadavg()[0]!.toFixed(1);
for (let r = 0; r < Number(values.rounds); r++) {
  for (const s of sentences) {
    for (const p of r % 2 ? [...pick].reverse() : pick) {
      const c0 = process.cpuUsage();
      const x = await synthesizeText(pipes[p]!, { text: s, conditioning });
      const c = process.cpuUsage(c0);
      cpuMs[p]! += (c.user + c.system) / 1000;
      ms[p]!.push(x.totalMs);
    }
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]!;
process.stdout.write(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}; load average ${load0} at the start, ${loadavg()[0]!.toFixed(1)} at the end; ${sentences.length} sentences × ${values.rounds} rounds, settings taking turns\n`);
for (const p of pick) process.stdout.write(`${p.padEnd(10)} mean ${mean(ms[p]!).toFixed(1).padStart(7)} ms   P50 ${p50(ms[p]!).toFixed(1).padStart(7)} ms   CPU ${(cpuMs[p]! / ms[p]!.length).toFixed(1).padStart(7)} ms/request\n`);
await Promise.all(Object.values(pipes).flatMap((p) => Object.values(p.runners).map((r) => r.close())));
await model.close();
