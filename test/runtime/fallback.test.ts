// FallbackRunner: a broken primary (load failure, inference error) is taken out of use for good; a
// primary that overruns its timeout answers no more for THAT call only. In-test runners, named for
// what they do: one doubles its input, the others fail the ways engines fail.
import { describe, expect, it } from 'vitest';
import { FallbackRunner, UnavailableRunner } from '../../src/runtime/fallback.ts';
import type { Runner } from '../../src/runtime/runner.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';

type Counting = Runner & { calls: number; loads: number };

const double = (feeds: TensorMap): TensorMap => {
  const x = feeds.x!.data as Float32Array;
  return { y: { dtype: 'float32', shape: feeds.x!.shape, data: x.map((v) => v * 2) } };
};

function doubler(name: string): Counting {
  return {
    name,
    calls: 0,
    loads: 0,
    async load() {
      this.loads++;
    },
    inputs: () => [],
    outputs: () => [],
    async infer(feeds: TensorMap) {
      this.calls++;
      return double(feeds);
    },
    async close() {},
  };
}

/** A primary whose n-th inference (1-based) does what `plan[n-1]` says: 'ok', 'hang' or 'throw'. */
function scripted(plan: ('ok' | 'hang' | 'throw')[]): Counting {
  return {
    ...doubler('trt'),
    async infer(feeds: TensorMap) {
      const step = plan[this.calls++] ?? 'ok';
      if (step === 'hang') return new Promise<TensorMap>(() => {});
      if (step === 'throw') throw new Error('CUDA error 700: an illegal memory access\nstack…');
      return double(feeds);
    },
  };
}

const x: TensorMap = { x: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } };
const values = (m: TensorMap) => [...(m.y!.data as Float32Array)];

describe('FallbackRunner', () => {
  it('uses the primary when it works, and loads the fallback only when needed', async () => {
    const p = doubler('primary');
    const f = doubler('fallback');
    const r = new FallbackRunner(p, f);
    await r.load();
    expect(values(await r.infer(x))).toEqual([2, 4]);
    expect([p.calls, f.calls, f.loads]).toEqual([1, 0, 0]);
    expect(r.events).toEqual([]);
    expect(await r.inferTraced(x)).not.toHaveProperty('fallback');
  });

  it('eager: loads the fallback up front, as a server keeps its CPU models resident', async () => {
    const f = doubler('fallback');
    await new FallbackRunner(doubler('primary'), f, { eager: true }).load();
    expect(f.loads).toBe(1);
  });

  it('a load failure is sticky: every call goes to the fallback, one event says why', async () => {
    const p = { ...doubler('trt'), load: async () => { throw new Error('engine built for another GPU'); } };
    const f = doubler('ort');
    const r = new FallbackRunner(p, f);
    await r.load();
    for (let i = 0; i < 3; i++) expect(await r.inferTraced(x)).toMatchObject({ fallback: 'load' });
    expect([p.calls, f.calls]).toEqual([0, 3]);
    expect(r.brokenAt).toBe('load');
    expect(r.events).toEqual([{ runner: 'trt', stage: 'load', reason: 'engine built for another GPU' }]);
  });

  it('an inference error is sticky: that call and every later one are answered by the fallback', async () => {
    const p = scripted(['ok', 'throw', 'ok', 'ok']);
    const f = doubler('ort');
    const seen: string[] = [];
    const r = new FallbackRunner(p, f, { onFallback: (e) => seen.push(e.stage) });
    await r.load();
    const traced = [];
    for (let i = 0; i < 4; i++) traced.push(await r.inferTraced(x));
    expect(traced.map((t) => t.fallback ?? 'primary')).toEqual(['primary', 'infer', 'infer', 'infer']);
    expect(traced.every((t) => values(t.outputs).join() === '2,4')).toBe(true);
    expect([p.calls, f.calls]).toEqual([2, 3]); // the primary is never tried again
    expect(r.events).toEqual([{ runner: 'trt', stage: 'infer', reason: 'CUDA error 700: an illegal memory access' }]);
    expect(seen).toEqual(['infer']);
  });

  it('the timeout is for the inference: a runner’s fixed per-call cost (a trtexec process) comes on top', async () => {
    const slow = (overhead?: number): Counting => ({
      ...doubler('trt'),
      ...(overhead !== undefined && { callOverheadMs: overhead }),
      async infer(feeds: TensorMap) {
        this.calls++;
        await new Promise((r) => setTimeout(r, 80));
        return double(feeds);
      },
    });
    const withAllowance = new FallbackRunner(slow(200), doubler('cpu'), { timeoutMs: 30 });
    expect(await withAllowance.inferTraced(x)).toEqual({ outputs: double(x) }); // 80 ms < 30 + 200 ms
    expect(withAllowance.events).toEqual([]);
    const without = new FallbackRunner(slow(), doubler('cpu'), { timeoutMs: 30 });
    expect((await without.inferTraced(x)).fallback).toBe('timeout');
  });

  it('a timeout is per call: the fallback answers that call, the primary answers the next', async () => {
    const p = scripted(['hang', 'ok', 'hang', 'ok']);
    const f = doubler('ort');
    const r = new FallbackRunner(p, f, { timeoutMs: 30 });
    await r.load();
    const traced = [];
    for (let i = 0; i < 4; i++) traced.push(await r.inferTraced(x));
    expect(traced.map((t) => t.fallback ?? 'primary')).toEqual(['timeout', 'primary', 'timeout', 'primary']);
    expect(traced.map((t) => values(t.outputs).join())).toEqual(['2,4', '2,4', '2,4', '2,4']);
    expect([p.calls, f.calls]).toEqual([4, 2]);
    expect(r.brokenAt).toBeNull();
    expect(r.events.map((e) => e.stage)).toEqual(['timeout', 'timeout']);
    expect(r.events[0]!.reason).toBe('trt took longer than 30 ms');
  });

  it('a primary that blocks the event loop cannot be interrupted: it answers, late, and is counted as overran', async () => {
    // like an in-process ONNX Runtime call: synchronous work before the promise settles
    const blocking = { ...doubler('ort-primary'), async infer(feeds: TensorMap) {
      const t0 = performance.now();
      while (performance.now() - t0 < 40) { /* busy */ }
      return double(feeds);
    } };
    const f = doubler('ort');
    const r = new FallbackRunner(blocking, f, { timeoutMs: 10 });
    await r.load();
    const t = await r.inferTraced(x);
    expect(t).toEqual({ outputs: double(x), overran: true });
    expect([r.overran, f.calls, r.events.length]).toEqual([1, 0, 0]);
  });

  it('concurrent calls that need the fallback load it once', async () => {
    const p = scripted(['throw', 'throw', 'throw']);
    const f = doubler('ort');
    const r = new FallbackRunner(p, f);
    await r.load();
    await Promise.all([r.infer(x), r.infer(x), r.infer(x)]);
    expect([f.loads, f.calls]).toEqual([1, 3]);
  });

  it('UnavailableRunner (bench --fail-engine) makes the primary fail at load', async () => {
    const f = doubler('ort');
    const r = new FallbackRunner(new UnavailableRunner('trt:vocoder', 'disabled by --fail-engine'), f);
    await r.load();
    expect(await r.inferTraced(x)).toMatchObject({ fallback: 'load' });
    expect(r.events).toEqual([{ runner: 'trt:vocoder', stage: 'load', reason: 'disabled by --fail-engine' }]);
  });

  it('when the fallback cannot load either, the error reaches the caller', async () => {
    const broken = (msg: string) => ({ ...doubler('x'), load: async () => { throw new Error(msg); } });
    const r = new FallbackRunner(broken('no engine'), broken('no onnx file'));
    await expect(r.load()).rejects.toThrow('no onnx file');
  });
});
