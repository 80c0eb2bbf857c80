// The TensorRT side of `emovoice bench`: each module's engine in trtexec's performance mode at the
// shapes one request implies (each sentence part of the text; warm-up, fixed duration, CUDA graphs,
// several inference streams), the summary parsed, and module latencies combined with the host steps
// measured on this host. Shapes and the combination are pure; running goes through the trtexec
// adapter. What trtexec printed is reported as it is: a stand-in replaying a log is not an engine.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { stats } from './load.ts';
import type { Dialect } from '../trtexec/flags.ts';
import type { TrtexecSummary } from '../trtexec/parse.ts';
import { timeEngine } from '../trtexec/perf.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { TensorMap } from '../tensor/tensor.ts';

/** The concrete inputs of each engine call one sentence part makes: one entry per module stage. */
export type StageShapes = { stage: string; module: string; inputs: { name: string; dims: number[] }[] }[];

/**
 * The shapes a request really implies, read from a run of the pipeline (each part's board): every module
 * stage's inputs as they were. Parts with the same shapes are grouped (counted once, timed once). Pure.
 */
export function shapesOfParts(manifest: Pick<ModelManifest, 'graph' | 'graphInfo'>, parts: TensorMap[], stages?: (stage: string) => boolean): { count: number; shapes: StageShapes }[] {
  const groups = new Map<string, { count: number; shapes: StageShapes }>();
  for (const board of parts) {
    const shapes: StageShapes = [];
    for (const i of manifest.graphInfo.order) {
      const st = manifest.graph.find((s) => s.index === i)!;
      if (!st.module || (stages && !stages(st.label))) continue;
      const inputs = st.in.map(([name, t]) => ({ name, dims: board[t]?.shape ?? [] }));
      if (inputs.some((x) => !x.dims.length)) continue; // the stage did not run for this part
      shapes.push({ stage: st.label, module: st.module, inputs });
    }
    const key = JSON.stringify(shapes);
    const g = groups.get(key) ?? { count: 0, shapes };
    g.count++;
    groups.set(key, g);
  }
  return [...groups.values()];
}

export interface TrtModuleBench {
  /** The stage's label (a module may run in several stages). */
  module: string;
  argv: string[];
  summary: TrtexecSummary;
  log: string;
  /** Each timed call's latency (ms) from trtexec's --exportTimes trace; null when it wrote none. */
  samples: number[] | null;
}

/**
 * Per-call latencies (ms) from a trtexec --exportTimes file: a JSON array with one object per timed
 * call, whose `latencyMs` is the call's host-to-device + compute + device-to-host time (the field list
 * is TensorRT's samples/trtexec/tracer.py). Null when the text is not such a trace.
 */
export function traceLatencies(json: string): number[] | null {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(data) || !data.length) return null;
  const out: number[] = [];
  for (const e of data) {
    const v = (e as { latencyMs?: unknown } | null)?.latencyMs;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return null;
    out.push(v);
  }
  return out;
}

export async function benchEngines(opts: {
  exe: string;
  dialect: Dialect;
  engineDir: string;
  shapes: StageShapes;
  streams: number;
  durationS: number;
  workDir: string;
  /** Added to each log's name so runs at other shapes or stream counts keep their logs. */
  logTag?: string;
}): Promise<TrtModuleBench[]> {
  const out: TrtModuleBench[] = [];
  for (const { stage, module, inputs: shapes } of opts.shapes) {
    const logFile = join(opts.workDir, `${stage.replace(/[^A-Za-z0-9_.-]/g, '_')}${opts.logTag ? `.${opts.logTag}` : ''}.perf.log`);
    const engine = join(opts.engineDir, `${module}.engine`);
    const times = logFile.replace(/\.log$/, '.times.json');
    const { argv, summary, failure } = await timeEngine({ exe: opts.exe, dialect: opts.dialect, engine, shapes, durationS: opts.durationS, streams: opts.streams, logFile, exportTimes: times, slackS: 120 });
    if (failure) {
      throw new UserError(`trtexec could not time the ${module} engine (${engine}): ${failure}`, {
        place: { file: logFile },
        hint: `read the log's [E] lines; rebuild the engine with \`emovoice build\`, or measure without it: --fail-engine ${module}`,
        exitCode: 3,
      });
    }
    out.push({ module: stage, argv, summary, log: logFile, samples: traceLatencies(await readFile(times, 'utf8').catch(() => '')) });
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
  /** Each measured call's latency (ms), when known: the P99 of a whole request is estimated from them. */
  samples?: number[] | null;
}

export function fromTrtexec(b: TrtModuleBench): ModuleTiming {
  return { module: b.module, meanMs: b.summary.latencyMs.mean ?? null, p99Ms: b.summary.latencyMs.p99 ?? null, source: 'trtexec', peakGpuMiB: b.summary.peakGpuMemoryMiB, samples: b.samples };
}

export interface HostTiming {
  stage: string;
  mean: number;
  p99: number;
  samples?: number[];
}

export interface CombinedRequest {
  /** End-to-end estimate: per-call module latencies × calls per request, plus host steps; null if a module had no number. */
  meanMs: number | null;
  /**
   * The per-call P99s added up. A rough figure only: not an upper bound (rare slow calls, each under its
   * call's P99, can together push a request past it), nor the request's P99.
   */
  p99Ms: number | null;
  /**
   * The request's P99 when each call's latency is drawn from that module's measured calls, independently
   * (requestP99); null when a stage has no per-call samples. The request's P99, if calls are independent.
   */
  p99EstimateMs: number | null;
  peakGpuMiB: number | null;
  /** Per stage over one request, in the order given (host stages and modules). */
  stages: { stage: string; meanMs: number | null; p99Ms: number | null; source: string }[];
}

/**
 * One request = `parts` (each: module timings at that part's shapes, and how many parts have that
 * shape) + host steps. Sums per-call means and per-call P99s, and estimates the request P99 from samples.
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
  const calls = [
    ...host.map((h) => h.samples ?? null),
    ...parts.flatMap((p) => p.modules.filter((m) => !exclude.includes(m.module)).flatMap((m) => Array<number[] | null>(p.count).fill(m.samples ?? null))),
  ];
  return {
    meanMs: sum('meanMs'),
    p99Ms: sum('p99Ms'),
    p99EstimateMs: calls.every((c) => c?.length) ? requestP99(calls as number[][]) : null,
    peakGpuMiB: peaks.length ? Math.max(...peaks) : null,
    stages: [...stages.values()],
  };
}

/**
 * P99 of a request made of these calls, one after another, each call's latency drawn at random from its
 * own measured latencies: `draws` simulated requests (a fixed seed, so the same inputs give the same
 * number). Calls are taken as independent; adding P99s instead assumes every call is slow at once.
 */
export function requestP99(calls: number[][], draws = 20_000): number {
  let x = 0x2545f491;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const sums = new Array<number>(draws);
  for (let d = 0; d < draws; d++) {
    let s = 0;
    for (const c of calls) s += c[Math.floor(next() * c.length)]!;
    sums[d] = s;
  }
  return stats(sums).p99;
}
