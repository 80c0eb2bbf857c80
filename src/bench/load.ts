// The serving benchmark behind `emovoice bench`: requests that start from text (frontend included),
// end-to-end and per-stage latency, and a sweep over concurrent streams to find the most that still
// meet a P99 objective, counting the requests a CPU fallback answered. Time is measured, not
// assumed; the statistics and the text builder are pure helpers.
import type { StageTiming } from '../pipeline/executor.ts';
import { mergeStages } from '../synth/speak.ts';

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

export interface LatencyStats {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function stats(xs: number[]): LatencyStats {
  return {
    n: xs.length,
    mean: xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1),
    p50: percentile(xs, 50),
    p90: percentile(xs, 90),
    p99: percentile(xs, 99),
    max: Math.max(...xs),
  };
}

/** Fewer samples than this and a "P99" is only the maximum of what was measured: it is labelled so. */
export const MIN_P99_SAMPLES = 100;

/** What a P99 of n samples is: "P99", or "max of n" when there are too few for a 99th percentile to mean anything. */
export function p99Label(n: number): string {
  return n >= MIN_P99_SAMPLES ? 'P99' : `max of ${n}`;
}

/**
 * Text of about `targetPhonemes`: `sentence` repeated, as many times as brings the phoneme count
 * (by `count`, the model's real frontend) closest to the target; at least once.
 */
export async function benchText(targetPhonemes: number, count: (text: string) => number | Promise<number>, sentence: string): Promise<string> {
  let prev = sentence;
  let prevN = await count(prev);
  for (;;) {
    if (prevN >= targetPhonemes) return prev;
    const next = `${prev} ${sentence}`;
    const n = await count(next);
    if (n <= prevN) return prev; // the sentence adds nothing pronounceable: stop rather than loop
    if (n >= targetPhonemes) return targetPhonemes - prevN < n - targetPhonemes ? prev : next;
    [prev, prevN] = [next, n];
  }
}

export interface StageStats {
  stage: string;
  mean: number;
  p99: number;
  /** Requests in which this stage was answered by a CPU fallback. */
  fellBack: number;
  /** Requests in which this stage's primary answered after the timeout (the deadline could not fire first). */
  overran: number;
}

/** Per-stage statistics over requests (each request's stages, summed per name), in first-seen order. */
export function stageStats(requests: StageTiming[][]): StageStats[] {
  const by = new Map<string, { ms: number[]; fellBack: number; overran: number }>();
  for (const req of requests) {
    for (const v of mergeStages([req])) { // one entry per stage name in this request
      const e = by.get(v.stage) ?? { ms: [], fellBack: 0, overran: 0 };
      e.ms.push(v.ms);
      if (v.fallback) e.fellBack++;
      if (v.overran) e.overran++;
      by.set(v.stage, e);
    }
  }
  return [...by].map(([stage, e]) => {
    const st = stats(e.ms);
    return { stage, mean: st.mean, p99: st.p99, fellBack: e.fellBack, overran: e.overran };
  });
}

export interface StreamResult {
  streams: number;
  requests: number;
  latency: LatencyStats;
  /** Every measured request's end-to-end latency (ms, in completion order): the report's histogram. */
  latenciesMs?: number[];
  throughputRps: number;
  meetsSlo: boolean;
  stages: StageStats[];
  /** Requests in which at least one module call was answered by a CPU fallback. */
  fellBack: number;
  /** Requests in which a module call overran the timeout but could not be interrupted (answered late by the primary). */
  overran: number;
}

/** Run `streams` concurrent request loops for `requestsPerStream` requests each; per-request latency and stages. */
export async function runStreams(
  serve: () => Promise<{ stages: StageTiming[] }>,
  streams: number,
  requestsPerStream: number,
  sloP99Ms: number,
): Promise<StreamResult> {
  const lat: number[] = [];
  const stages: StageTiming[][] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let i = 0; i < requestsPerStream; i++) {
        const s = performance.now();
        const r = await serve();
        lat.push(performance.now() - s);
        stages.push(r.stages);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const latency = stats(lat);
  return {
    streams,
    requests: lat.length,
    latency,
    latenciesMs: lat.map((x) => Math.round(x * 100) / 100),
    throughputRps: lat.length / wall,
    meetsSlo: latency.p99 <= sloP99Ms,
    stages: stageStats(stages),
    fellBack: stages.filter((st) => st.some((s) => s.fallback)).length,
    overran: stages.filter((st) => st.some((s) => s.overran)).length,
  };
}
