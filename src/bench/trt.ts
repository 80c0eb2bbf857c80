// The TensorRT side of `emovoice bench`: each module's engine in trtexec's performance mode at the
// shapes one request implies (each sentence part of the text; warm-up, fixed duration, CUDA graphs,
// several inference streams), the summary parsed, and module latencies combined with the host steps
// measured on this host. Shapes and the combination are pure; running goes through the trtexec
// adapter. What trtexec printed is reported as it is: a stand-in replaying a log is not an engine.
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import type { Dialect } from '../trtexec/flags.ts';
import type { TrtexecSummary } from '../trtexec/parse.ts';
import { timeEngine } from '../trtexec/perf.ts';
import type { ModelManifest } from '../model/manifest.ts';

export type ModuleShapes = Record<string, { name: string; dims: number[] }[]>;

function shapesFor(manifest: ModelManifest, size: { text_len: number; mel_len: number }, refSeconds: number): ModuleShapes {
  const mel = manifest.audio.mel as { hop: number };
  const sizes: Record<string, number> = { batch: 1, ...size, ref_frames: Math.round((refSeconds * manifest.audio.sample_rate) / mel.hop) };
  const out: ModuleShapes = {};
  for (const [module, spec] of Object.entries(manifest.modules)) {
    out[module] = Object.entries(spec.inputs).map(([name, t]) => ({
      name,
      dims: t.dims.map((d) => (typeof d === 'number' ? d : (sizes[d] ?? 1))),
    }));
  }
  return out;
}

/** Concrete input shapes (batch 1) for one sentence part of `textLen` phonemes at `framesPerPhoneme` frames each. */
export function shapesForPhonemes(manifest: ModelManifest, textLen: number, refSeconds = 6, framesPerPhoneme = 5): ModuleShapes {
  const n = Math.max(1, textLen);
  return shapesFor(manifest, { text_len: n, mel_len: n * framesPerPhoneme }, refSeconds);
}


export interface TrtModuleBench {
  module: string;
  argv: string[];
  summary: TrtexecSummary;
  log: string;
}

export async function benchEngines(opts: {
  exe: string;
  dialect: Dialect;
  engineDir: string;
  shapes: ModuleShapes;
  streams: number;
  durationS: number;
  workDir: string;
  /** Added to each log's name so runs at other shapes or stream counts keep their logs. */
  logTag?: string;
}): Promise<TrtModuleBench[]> {
  const out: TrtModuleBench[] = [];
  for (const [module, shapes] of Object.entries(opts.shapes)) {
    const logFile = join(opts.workDir, `${module}${opts.logTag ? `.${opts.logTag}` : ''}.perf.log`);
    const engine = join(opts.engineDir, `${module}.engine`);
    const { argv, summary, failure } = await timeEngine({ exe: opts.exe, dialect: opts.dialect, engine, shapes, durationS: opts.durationS, streams: opts.streams, logFile, slackS: 120 });
    if (failure) {
      throw new UserError(`trtexec could not time the ${module} engine (${engine}): ${failure}`, {
        place: { file: logFile },
        hint: `read the log's [E] lines; rebuild the engine with \`emovoice build\`, or measure without it: --fail-engine ${module}`,
        exitCode: 3,
      });
    }
    out.push({ module, argv, summary, log: logFile });
  }
  return out;
}

/** One module's latency for one call at one shape, from trtexec or from ONNX Runtime on the CPU (its fallback). */
export interface ModuleTiming {
  module: string;
  meanMs: number | null;
  p99Ms: number | null;
  source: 'trtexec' | 'ort-cpu fallback';
  peakGpuMiB?: number | null;
}

export function fromTrtexec(b: TrtModuleBench): ModuleTiming {
  return { module: b.module, meanMs: b.summary.latencyMs.mean ?? null, p99Ms: b.summary.latencyMs.p99 ?? null, source: 'trtexec', peakGpuMiB: b.summary.peakGpuMemoryMiB };
}

export interface HostTiming {
  stage: string;
  mean: number;
  p99: number;
}

export interface CombinedRequest {
  /** End-to-end estimate: per-call module latencies × calls per request, plus host steps; null if a module had no number. */
  meanMs: number | null;
  p99Ms: number | null;
  peakGpuMiB: number | null;
  /** Per stage over one request, in the order given (host stages and modules). */
  stages: { stage: string; meanMs: number | null; p99Ms: number | null; source: string }[];
}

/**
 * One request = `parts` (each: module timings at that part's shapes, and how many parts have that
 * shape) + host steps. Sums per-call means, and per-call P99s (an upper bound: P99s do not add).
 * Modules in `exclude` (the cached style encoder) are reported but left out of the sum.
 */
export function combineTimings(parts: { count: number; modules: ModuleTiming[] }[], host: HostTiming[], exclude: string[] = []): CombinedRequest {
  const stages = new Map<string, { stage: string; meanMs: number | null; p99Ms: number | null; source: string }>();
  for (const h of host) stages.set(h.stage, { stage: h.stage, meanMs: h.mean, p99Ms: h.p99, source: 'host' });
  const add = (a: number | null, b: number | null, k: number) => (a == null || b == null ? null : a + k * b);
  for (const part of parts) {
    for (const m of part.modules) {
      const cur = stages.get(m.module) ?? { stage: m.module, meanMs: 0, p99Ms: 0, source: m.source };
      cur.meanMs = add(cur.meanMs, m.meanMs, part.count);
      cur.p99Ms = add(cur.p99Ms, m.p99Ms, part.count);
      stages.set(m.module, cur);
    }
  }
  const counted = [...stages.values()].filter((s) => !exclude.includes(s.stage));
  const sum = (k: 'meanMs' | 'p99Ms') => (counted.every((s) => s[k] != null) ? counted.reduce((a, s) => a + s[k]!, 0) : null);
  const peaks = parts.flatMap((p) => p.modules.map((m) => m.peakGpuMiB)).filter((x): x is number => x != null);
  return { meanMs: sum('meanMs'), p99Ms: sum('p99Ms'), peakGpuMiB: peaks.length ? Math.max(...peaks) : null, stages: [...stages.values()] };
}
