// `emovoice bench --stream`: streaming requests on the CPU backend — time to first audio (P50/P99) next to
// the full latency for each streams level, the whole-utterance latency of the same text, what the first
// audio is made of, and the baseline's own first audio where it streams (piper-tts: its first sentence),
// in one run on one machine. Flags in, core calls, printing out (bench.ts parses the shared flags).
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { runStreamLevel, meanStages, renderStream, type StreamBenchReport } from '../bench/stream.ts';
import { stats } from '../bench/load.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { RequestConditioning } from '../pipeline/conditioning.ts';
import { Pipeline, type StageTiming } from '../pipeline/executor.ts';
import { openModel } from '../pipeline/model.ts';
import { chunkPolicy, streamPlan } from '../pipeline/stream.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { cpuModels } from '../synth/precision.ts';
import { makeRunners } from '../synth/runners.ts';
import { splitWarning, synthesizeText } from '../synth/speak.ts';
import { streamText } from '../synth/stream.ts';
import { pytorchBaseline, textFor, type Flags } from './bench.ts';
import { log } from './common.ts';

export async function benchStream(loaded: LoadedProfile, manifest: ModelManifest, conditioning: RequestConditioning, f: Flags & { baseline: string; json: boolean; out?: string }): Promise<void> {
  const p = loaded.profile;
  const loadStart = loadavg();
  const model = await openModel(manifest, p.serving);
  const cpu = await cpuModels(loaded, manifest, undefined, { log });
  const runners = makeRunners(manifest, 'ort', { fallback: 'always', failModules: f.failEngines, timeoutMs: p.serving?.timeout_ms, onnx: cpu.files });
  try {
    await Promise.all(Object.values(runners).map((r) => r.load()));
    const pipeline = new Pipeline(model, runners);
    const plan = await streamPlan(model); // a model that cannot stream says so before any timing
    const chunks = chunkPolicy(p.serving);
    const text = await textFor(pipeline, conditioning, f.seconds);
    const firstStages: StageTiming[][] = [];
    const serve = async () => {
      const r = await streamText(pipeline, { text, conditioning, chunks }, () => undefined);
      firstStages.push(r.firstAudio);
      return r;
    };
    const first = await serve();
    for (let i = 1; i < f.warmup; i++) await serve();
    firstStages.length = 0;
    const warnings = first.split ? [splitWarning(first.split, loaded.locate(['serving', 'max_text_len']))] : [];
    for (const w of warnings) log(`warning: ${w}`);
    const levels = [];
    for (const s of f.streams) {
      levels.push(await runStreamLevel(serve, s, Math.max(1, Math.ceil(f.requests / s))));
      const l = levels.at(-1)!;
      log(`streams ${s}: first audio P50 ${l.firstAudio.p50.toFixed(0)} ms, full P50 ${l.full.p50.toFixed(0)} ms`);
    }
    const whole: number[] = [];
    for (let i = 0; i < Math.min(f.requests, 20); i++) {
      const t0 = performance.now();
      await synthesizeText(pipeline, { text, conditioning });
      whole.push(performance.now() - t0);
    }
    const baseline = f.baseline === 'pytorch' ? await pytorchBaseline(manifest, first, conditioning, 'cpu', f, { stream: true, text }) : null;
    const one = levels.find((l) => l.streams === 1) ?? levels[0]!;
    const bFirst = baseline?.sweep?.find((x) => x.streams === one.streams)?.firstAudio ?? baseline?.firstAudio;
    const report: StreamBenchReport = {
      profile: p.name,
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      load: { start: loadStart, end: loadavg() },
      text,
      textSeconds: f.seconds,
      audioSeconds: first.audioSeconds,
      phonemes: first.parts.reduce((s, x) => s + x.phonemes, 0),
      parts: first.parts.length,
      chunks: { ...chunks, samplesPerFrame: plan.samplesPerFrame, sampleRate: model.sampleRate },
      context: plan.stages.map((s) => ({ stage: s.stage.id, left: s.left, right: s.right })),
      warmup: f.warmup,
      whole: stats(whole),
      levels,
      firstAudioStages: meanStages(firstStages.slice(0, levels[0]!.requests)), // the first level's requests
      baseline,
      verdict: {
        ratioP50: one.firstAudio.p50 / one.full.p50,
        ratioP99: one.firstAudio.p99 / one.full.p99,
        belowBaselineFirstP50: bFirst ? one.firstAudio.p50 < bFirst.p50 : null,
        belowBaselineFirstP99: bFirst ? one.firstAudio.p99 < bFirst.p99 : null,
      },
      warnings,
    };
    if (f.out) await writeFile(f.out, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(f.json ? JSON.stringify(report, null, 2) + '\n' : renderStream(report));
  } finally {
    await Promise.all([...Object.values(runners).map((r) => r.close()), model.close()]);
  }
}
