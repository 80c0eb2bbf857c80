import { describe, expect, it } from 'vitest';
import { FallbackRunner } from '../../src/runtime/fallback.ts';
import type { Runner } from '../../src/runtime/runner.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';

// Small in-test runners: one doubles its input, the others fail in the ways engines fail.
function doubler(name: string): Runner & { calls: number } {
  return {
    name,
    calls: 0,
    async load() {},
    inputs: () => [],
    outputs: () => [],
    async infer(feeds: TensorMap) {
      this.calls++;
      const x = feeds.x!.data as Float32Array;
      return { y: { dtype: 'float32', shape: feeds.x!.shape, data: x.map((v) => v * 2) } };
    },
    async close() {},
  };
}

const x: TensorMap = { x: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } };

describe('FallbackRunner', () => {
  it('uses the primary when it works', async () => {
    const p = doubler('primary');
    const f = doubler('fallback');
    const r = new FallbackRunner(p, f);
    await r.load();
    const y = await r.infer(x);
    expect([...(y.y!.data as Float32Array)]).toEqual([2, 4]);
    expect([p.calls, f.calls]).toEqual([1, 0]);
    expect(r.events).toEqual([]);
  });

  it('falls back when the primary cannot load, and records why', async () => {
    const p = { ...doubler('trt'), load: async () => { throw new Error('engine built for another GPU'); } };
    const f = doubler('ort');
    const r = new FallbackRunner(p, f);
    await r.load();
    await r.infer(x);
    expect(f.calls).toBe(1);
    expect(r.events).toEqual([{ runner: 'trt', stage: 'load', reason: 'engine built for another GPU' }]);
  });

  it('falls back when the primary overruns its timeout', async () => {
    const p = { ...doubler('trt'), infer: () => new Promise<TensorMap>(() => {}) };
    const f = doubler('ort');
    const r = new FallbackRunner(p, f, { timeoutMs: 50 });
    await r.load();
    const y = await r.infer(x);
    expect([...(y.y!.data as Float32Array)]).toEqual([2, 4]);
    expect(r.events[0]!.reason).toMatch(/took longer than 50 ms/);
    // later calls go straight to the fallback
    await r.infer(x);
    expect(f.calls).toBe(2);
  });
});
