// The TensorRT side of `emovoice bench`: each module's engine in trtexec's performance mode at the
// shapes a given amount of speech implies (warm-up, fixed duration, CUDA graphs, several inference
// streams), the summary parsed, module latencies summed with the measured host steps. The plan of
// runs is pure; running goes through the trtexec adapter.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { perfArgv, type Dialect } from '../trtexec/flags.ts';
import { parseTrtexecLog, type TrtexecSummary } from '../trtexec/parse.ts';
import { runTrtexec } from '../trtexec/run.ts';
import type { ModelManifest } from '../model/manifest.ts';

/** Concrete input shapes for `seconds` of speech (batch 1): text_len, mel_len, ref_frames from the contract. */
export function shapesForSpeech(manifest: ModelManifest, seconds: number, refSeconds = 6, framesPerPhoneme = 5): Record<string, { name: string; dims: number[] }[]> {
  const mel = manifest.audio.mel as { hop: number };
  const melLen = Math.round((seconds * manifest.audio.sample_rate) / mel.hop);
  const sizes: Record<string, number> = {
    batch: 1,
    text_len: Math.max(1, Math.round(melLen / framesPerPhoneme)),
    mel_len: melLen,
    ref_frames: Math.round((refSeconds * manifest.audio.sample_rate) / mel.hop),
  };
  const out: Record<string, { name: string; dims: number[] }[]> = {};
  for (const [module, spec] of Object.entries(manifest.modules)) {
    out[module] = Object.entries(spec.inputs).map(([name, t]) => ({
      name,
      dims: t.dims.map((d) => (typeof d === 'number' ? d : (sizes[d] ?? 1))),
    }));
  }
  return out;
}

export interface TrtModuleBench {
  module: string;
  argv: string[];
  summary: TrtexecSummary;
}

export async function benchEngines(opts: {
  exe: string;
  dialect: Dialect;
  engineDir: string;
  shapes: Record<string, { name: string; dims: number[] }[]>;
  streams: number;
  durationS: number;
  workDir: string;
}): Promise<TrtModuleBench[]> {
  const out: TrtModuleBench[] = [];
  for (const [module, shapes] of Object.entries(opts.shapes)) {
    const argv = perfArgv(
      { loadEngine: join(opts.engineDir, `${module}.engine`), shapes, warmUpMs: 500, durationS: opts.durationS, useCudaGraph: true, streams: opts.streams },
      opts.dialect,
    );
    const logFile = join(opts.workDir, `${module}.perf.log`);
    const run = await runTrtexec({ exe: opts.exe, argv, logFile, timeoutMs: (opts.durationS + 120) * 1000 });
    const summary = parseTrtexecLog(await readFile(logFile, 'utf8'));
    if (run.exitCode !== 0 || summary.status === 'failed') {
      throw new Error(`trtexec performance run of ${module} failed: ${summary.errors[0] ?? `exit ${run.exitCode ?? run.signal}`} (log: ${logFile})`);
    }
    out.push({ module, argv, summary });
  }
  return out;
}

/** End-to-end latency estimate: sum of per-module engine latency (mean / p99) plus measured host steps. */
export function combine(modules: TrtModuleBench[], hostMs: number): { meanMs: number | null; p99Ms: number | null; peakGpuMiB: number | null } {
  const sum = (k: 'mean' | 'p99') =>
    modules.every((m) => m.summary.latencyMs[k] != null) ? modules.reduce((a, m) => a + m.summary.latencyMs[k]!, 0) + hostMs : null;
  const peaks = modules.map((m) => m.summary.peakGpuMemoryMiB).filter((x): x is number => x != null);
  return { meanMs: sum('mean'), p99Ms: sum('p99'), peakGpuMiB: peaks.length ? Math.max(...peaks) : null };
}
