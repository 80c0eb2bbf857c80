// RunnerPool (src/runtime/pool.ts): calls go to free runners, at most one call per runner at a time,
// later calls wait for the first runner to free up, and each answer comes from the call's own inputs.
// The runners here are stand-ins that echo their input after a delay (orchestration only; the pool on
// real ONNX Runtime sessions is tested in test/pipeline/chunked.test.ts).
import { describe, expect, it } from 'vitest';
import { RunnerPool } from '../../src/runtime/pool.ts';
import type { Runner } from '../../src/runtime/runner.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';

function echo(name: string, log: string[], busy: Set<string>): Runner {
  return {
    name,
    load: async () => {},
    close: async () => {},
    inputs: () => [{ name: 'x', dtype: 'float32', dims: [1] }],
    outputs: () => [{ name: 'y', dtype: 'float32', dims: [1] }],
    infer: async (feeds: TensorMap) => {
      if (busy.has(name)) throw new Error(`${name} got a second call while busy`);
      busy.add(name);
      log.push(`${name}:${(feeds.x!.data as Float32Array)[0]}`);
      await new Promise((r) => setTimeout(r, 5));
      busy.delete(name);
      return { y: feeds.x! };
    },
  };
}

describe('RunnerPool', () => {
  it('runs as many calls at once as it has runners, queues the rest, and keeps answers with their calls', async () => {
    const log: string[] = [];
    const busy = new Set<string>();
    const pool = new RunnerPool([echo('a', log, busy), echo('b', log, busy)]);
    expect(pool.lanes).toBe(2);
    await pool.load();
    const x = (v: number): TensorMap => ({ x: { dtype: 'float32', shape: [1], data: Float32Array.of(v) } });
    const out = await Promise.all([1, 2, 3, 4, 5].map((v) => pool.infer(x(v))));
    expect(out.map((o) => (o.y!.data as Float32Array)[0])).toEqual([1, 2, 3, 4, 5]);
    expect(log).toHaveLength(5);
    expect(new Set(log.slice(0, 2).map((l) => l.split(':')[0]))).toEqual(new Set(['a', 'b'])); // both lanes at once
    expect(pool.inputs()[0]!.name).toBe('x');
  });

  it('frees a runner whose call failed', async () => {
    let calls = 0;
    const flaky: Runner = { ...echo('f', [], new Set()), infer: async (f) => (++calls === 1 ? Promise.reject(new Error('boom')) : { y: f.x! }) };
    const pool = new RunnerPool([flaky]);
    const x: TensorMap = { x: { dtype: 'float32', shape: [1], data: Float32Array.of(7) } };
    await expect(pool.infer(x)).rejects.toThrow('boom');
    expect((await pool.infer(x)).y!.data).toEqual(Float32Array.of(7));
  });

  it('needs a runner', () => {
    expect(() => new RunnerPool([])).toThrow('at least one runner');
  });
});
