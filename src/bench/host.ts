// What runs on the host beside the TensorRT engines, measured on this host for `emovoice bench
// --backend trt`: the text frontend and the graph's host steps (length regulation, log-mel, noise …)
// on the inputs a real run of the request gave them, and — when an engine is taken out (--fail-engine)
// — that module's ONNX Runtime CPU fallback at the same shapes, under the same number of concurrent
// streams. Measures time; never invents a number.
import type { OpenModel } from '../pipeline/model.ts';
import { registry } from '../pipeline/registry.ts';
import type { ValueMap } from '../pipeline/types.ts';
import type { Runner } from '../runtime/runner.ts';
import type { DType, TensorMap } from '../tensor/tensor.ts';
import { stats, type LatencyStats } from './load.ts';
import type { HostTiming } from './trt.ts';

/**
 * The frontend over the whole text, and every non-trivial host step that is not cached, summed over the
 * request's parts (`boards`: each part's board from a real run), over `repeats` runs after one warm-up.
 */
export async function measureHostSteps(model: OpenModel, text: string, boards: TensorMap[], cached: Set<string>, repeats: number): Promise<HostTiming[]> {
  const m = model.manifest;
  const steps = m.graphInfo.order.map((i) => m.graph.find((s) => s.index === i)!).filter((s) => s.step && !registry.step(s.step)?.trivial && !cached.has(s.label));
  const samples = new Map<string, number[]>([['frontend', []], ...steps.map((s) => [s.label, []] as [string, number[]])]);
  for (let r = 0; r <= repeats; r++) {
    let t0 = performance.now();
    await model.frontend.toIds(text, { limit: model.maxTextLen });
    const fe = performance.now() - t0;
    const per = new Map<string, number>();
    for (const board of boards) {
      for (const st of steps) {
        const inputs: ValueMap = {};
        for (const [port, t] of st.in) if (board[t]) inputs[port] = board[t]!;
        if (Object.keys(inputs).length < st.in.length) continue; // not run for this part
        t0 = performance.now();
        await model.steps.get(st.index)!.run(inputs);
        per.set(st.label, (per.get(st.label) ?? 0) + performance.now() - t0);
      }
    }
    if (r === 0) continue; // warm-up
    samples.get('frontend')!.push(fe);
    for (const st of steps) samples.get(st.label)!.push(per.get(st.label) ?? 0);
  }
  return [...samples].map(([stage, xs]) => {
    const s = stats(xs);
    return { stage, mean: s.mean, p99: s.p99, samples: xs };
  });
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
