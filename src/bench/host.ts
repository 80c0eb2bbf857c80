// What runs on the host beside the TensorRT engines, measured on this host for `emovoice bench
// --backend trt`: the text frontend and the length regulation of a request, and — when an engine is
// taken out (--fail-engine) — that module's ONNX Runtime CPU fallback at the same shapes, under the
// same number of concurrent streams. Measures time; never invents a number.
import type { Runner } from '../runtime/runner.ts';
import { durationsFromLog, regulateLength, type LengthRegulatorConfig } from '../synth/length.ts';
import { frontend, type SplitInfo } from '../synth/speak.ts';
import type { DType, Tensor, TensorMap } from '../tensor/tensor.ts';
import { stats, type LatencyStats } from './load.ts';
import type { HostTiming } from './trt.ts';

export interface HostSteps {
  /** Phonemes of each sentence part of the text, as the frontend produced them. */
  parts: number[];
  split: SplitInfo | null;
  /** "frontend" and "length regulation" per request (all parts), over `repeats` runs after one warm-up. */
  stages: HostTiming[];
}

export function measureHostSteps(opts: {
  text: string;
  symbols: string[];
  limit: number;
  hidden: number;
  lengthRegulator: LengthRegulatorConfig;
  framesPerPhoneme: number;
  repeats: number;
}): HostSteps {
  const fe = frontend(opts.text, opts.symbols, opts.limit);
  const parts = fe.phonemes.map((p) => p.ids.length);
  // Length regulation on encoder-shaped data: log-durations that give framesPerPhoneme frames each.
  const inputs = parts.map((n) => ({
    logD: new Float32Array(n).fill(Math.log(opts.framesPerPhoneme + 1)),
    hidden: { dtype: 'float32', shape: [1, n, opts.hidden], data: filled('float32', n * opts.hidden) } as Tensor,
  }));
  const fMs: number[] = [];
  const lMs: number[] = [];
  for (let r = 0; r <= opts.repeats; r++) {
    let t0 = performance.now();
    frontend(opts.text, opts.symbols, opts.limit);
    const f = performance.now() - t0;
    t0 = performance.now();
    for (const x of inputs) regulateLength(x.hidden, durationsFromLog(x.logD, opts.lengthRegulator));
    const l = performance.now() - t0;
    if (r > 0) { // r = 0 is the warm-up
      fMs.push(f);
      lMs.push(l);
    }
  }
  const row = (stage: string, xs: number[]): HostTiming => {
    const s = stats(xs);
    return { stage, mean: s.mean, p99: s.p99, samples: xs };
  };
  return { parts, split: fe.split, stages: [row('frontend', fMs), row('length regulation', lMs)] };
}

/** Deterministic values in [-1, 1) (float) or small ids (integer): timing needs shapes, not meaning. */
function filled(dtype: DType, n: number): Float32Array | Int32Array | BigInt64Array {
  let x = 12345;
  const next = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  if (dtype === 'int32') return Int32Array.from({ length: n }, () => 4 + Math.floor(next() * 40));
  if (dtype === 'int64') return BigInt64Array.from({ length: n }, () => BigInt(4 + Math.floor(next() * 40)));
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/** `streams` concurrent loops of `requestsPerStream` calls of `runner` at these input shapes; per-call latency. */
export async function benchRunner(
  runner: Runner,
  inputs: { name: string; dtype: string; dims: number[] }[],
  streams: number,
  requestsPerStream: number,
): Promise<LatencyStats & { samples: number[] }> {
  const feeds: TensorMap = {};
  for (const i of inputs) {
    const n = i.dims.reduce((a, b) => a * b, 1);
    feeds[i.name] = { dtype: i.dtype as DType, shape: i.dims, data: filled(i.dtype as DType, n) };
  }
  await runner.infer(feeds); // warm-up
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let k = 0; k < requestsPerStream; k++) {
        const t0 = performance.now();
        await runner.infer(feeds);
        lat.push(performance.now() - t0);
      }
    }),
  );
  return { ...stats(lat), samples: lat };
}
