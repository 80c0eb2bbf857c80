// The serving benchmark behind `emovoice bench`: end-to-end latency for a given amount of speech,
// and a sweep over concurrent streams to find the most that still meet a P99 objective. Written
// against the pipeline (any backend); time is measured, not assumed. Percentiles are pure helpers.
import type { Pipeline, ReferenceAudio } from '../synth/pipeline.ts';

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

/** Phoneme ids for roughly `seconds` of speech at ~5 frames per phoneme (the tiny model's average). */
export function phonemesForSeconds(seconds: number, sampleRate: number, hop: number, framesPerPhoneme = 5): number {
  return Math.max(1, Math.round((seconds * sampleRate) / hop / framesPerPhoneme));
}

export interface StreamResult {
  streams: number;
  requests: number;
  latency: LatencyStats;
  throughputRps: number;
  meetsSlo: boolean;
  /** Requests slower than the serving timeout: in production these fall back to the CPU path. */
  overTimeout: number;
}

/** Run `streams` concurrent request loops for `requestsPerStream` requests each; per-request latency. */
export async function runStreams(
  pipeline: Pipeline,
  req: { phonemeIds: Int32Array; reference: ReferenceAudio; emotion?: string },
  streams: number,
  requestsPerStream: number,
  sloP99Ms: number,
  timeoutMs = Infinity,
): Promise<StreamResult> {
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let i = 0; i < requestsPerStream; i++) {
        const s = performance.now();
        await pipeline.synthesize(req);
        lat.push(performance.now() - s);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const latency = stats(lat);
  return {
    streams,
    requests: lat.length,
    latency,
    throughputRps: lat.length / wall,
    meetsSlo: latency.p99 <= sloP99Ms,
    overTimeout: lat.filter((x) => x > timeoutMs).length,
  };
}
