// emovoice's side of the Piper peer benchmark (bench/piper.ts runs it in its own process, so its peak
// resident memory is its own): the profile's model opened as `emovoice synth` opens it, each sentence
// spoken text to audio (frontend included) `--repeats` times after one warm-up. Prints one JSON object.
//   npx tsx bench/piper_ours.ts --profile piper-joe-cpu --sentences s.json [--repeats 5] [--wav-dir DIR] [--set k=v …]
// (--serve speaks the sentence whose index each stdin line gives, answering `ok`, and reports at the end of input;
// --prepare-only writes the files the modules run (conversions, CPU rewrites) and exits; --wav-dir keeps each sentence's audio as DIR/<index>.wav, for the recogniser; --set overrides the profile
// as in `emovoice synth`, e.g. modules.vocoder.precision=int8, and each module runs at the precision it gets;
// --ort '{"intraOpThreads":1}' overrides the CPU sessions' options (OrtOptions, src/runtime/ort-options.ts), for experiments.)
// Resident memory is sampled as the process goes (rss_mib_by_stage: after start-up and imports, the
// model opened, the sessions loaded, the warm-up, the last request; and the peak): what the peak is made of.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeWav } from '../src/audio/io.ts';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { loadModelManifest } from '../src/model/manifest.ts';
import { Pipeline } from '../src/pipeline/executor.ts';
import { openModel } from '../src/pipeline/model.ts';
import { loadProfile } from '../src/profile/load.ts';
import { cpuModels } from '../src/synth/precision.ts';
import { makeRunners, servingRunnerOptions } from '../src/synth/runners.ts';
import { synthesizeText } from '../src/synth/speak.ts';
import { CONFIGS_DIR } from '../src/cli/common.ts';

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
const memory: Record<string, number> = {};

const { values } = parseArgs({ options: { profile: { type: 'string', default: 'piper-joe-cpu' }, sentences: { type: 'string' }, repeats: { type: 'string', default: '5' }, 'wav-dir': { type: 'string' }, 'prepare-only': { type: 'boolean' }, serve: { type: 'boolean' }, set: { type: 'string', multiple: true, default: [] }, ort: { type: 'string' } } });
const sentences = JSON.parse(await readFile(values.sentences!, 'utf8')) as string[];
const repeats = Number(values.repeats);
const loaded = await loadProfile(values.profile!, { configsDir: CONFIGS_DIR, overrides: values.set! });
const { profile } = loaded;
const manifest = await loadModelManifest(profile.model);
// each module at the precision the profile gives it, as `emovoice synth` runs it (converted before timing)
const cpu = await cpuModels(loaded, manifest, undefined, { log: (m) => process.stderr.write(`${m}\n`) });
if (values['prepare-only']) process.exit(0); // the files each module runs are written; nothing timed
memory['start-up and imports'] = rssMiB();
const model = await openModel(manifest, profile.serving ?? {});
memory['model opened (frontend, host steps)'] = rssMiB();
const runners = makeRunners(manifest, 'ort', { onnx: cpu.files, engineDir: profile.output, trtexec: null, timeoutMs: profile.serving?.timeout_ms, ...servingRunnerOptions(profile.serving), trtexecOverheadMs: 0, onFallback: () => {}, ...(values.ort && { ort: JSON.parse(values.ort) }) });
const pipeline = new Pipeline(model, runners);
try {
  await Promise.all(Object.values(runners).map((r) => r.load()));
  memory['sessions loaded'] = rssMiB();
  await synthesizeText(pipeline, { text: sentences[0]!, conditioning: {} }); // warm-up
  memory['after the warm-up'] = rssMiB();
  const out = sentences.map((text) => ({ text, ms: [] as number[], audio_seconds: 0 }));
  const stages: Record<string, number[]> = {};
  const speak = async (n: number) => {
    const r = await synthesizeText(pipeline, { text: sentences[n]!, conditioning: {} });
    const first = out[n]!.ms.length === 0;
    out[n]!.ms.push(r.totalMs);
    out[n]!.audio_seconds = r.audioSeconds;
    for (const s of r.stages) (stages[s.stage] ??= []).push(s.ms);
    if (first && values['wav-dir']) await writeWav(join(values['wav-dir'], `${n}.wav`), r.waveform, r.sampleRate);
  };
  if (values.serve) {
    // --serve (bench/piper.ts --paired): a sentence index per stdin line, `ok` once spoken; the report at the end of input
    process.stdout.write('ready\n');
    for await (const line of createInterface({ input: process.stdin })) {
      if (line.trim() === '') continue;
      await speak(Number(line));
      process.stdout.write('ok\n');
    }
  } else for (const n of sentences.keys()) for (let i = 0; i < repeats; i++) await speak(n);
  process.stdout.write(JSON.stringify({
    runtime: `emovoice (onnxruntime-node ${(await import('onnxruntime-node/package.json', { with: { type: 'json' } })).default.version}, profile ${values.profile}${values.set!.length ? `, ${values.set!.join(', ')}` : ''})`,
    precisions: cpu.precisions,
    sample_rate: model.sampleRate,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    rss_mib_by_stage: { ...memory, 'after the last request': rssMiB(), peak: process.resourceUsage().maxRSS / 1024 },
    stages_ms: Object.fromEntries(Object.entries(stages).map(([k, xs]) => [k, xs.reduce((a, b) => a + b, 0) / xs.length])),
    sentences: out,
  }) + '\n');
} finally {
  await Promise.all([...Object.values(runners).map((r) => r.close()), model.close()]);
}
