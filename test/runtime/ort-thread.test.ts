// OrtThreadRunner: ONNX Runtime in a worker thread. Same numbers as the in-process runner on the bundled
// model; the event loop stays free while it infers (so a serving timeout can fire); errors are the
// same one-line UserErrors; a timeout really hands the call to the fallback.
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { FallbackRunner } from '../../src/runtime/fallback.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import { OrtThreadRunner } from '../../src/runtime/ort-thread.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

const ROOT = resolve(__dirname, '../..');
const VOCODER = join(ROOT, 'models/tiny/vocoder.onnx');
const mel = (frames: number): Tensor => ({
  dtype: 'float32',
  shape: [1, 80, frames],
  data: Float32Array.from({ length: 80 * frames }, (_, i) => -4 + Math.sin(i * 0.37)),
});

describe('OrtThreadRunner', () => {
  it('gives exactly the in-process runner’s outputs, and reports the same inputs/outputs', async () => {
    const a = new OrtRunner(VOCODER);
    const b = new OrtThreadRunner(VOCODER);
    await Promise.all([a.load(), b.load()]);
    const feeds = { mel: mel(50) };
    const [x, y] = await Promise.all([a.infer(feeds), b.infer(feeds)]);
    expect(y.waveform!.shape).toEqual(x.waveform!.shape);
    expect(Array.from(y.waveform!.data as Float32Array)).toEqual(Array.from(x.waveform!.data as Float32Array));
    expect(b.inputs()).toEqual(a.inputs());
    expect(b.outputs()).toEqual(a.outputs());
    expect(Array.from(feeds.mel.data as Float32Array).slice(0, 3)).toEqual(Array.from(mel(50).data as Float32Array).slice(0, 3)); // caller's tensor intact
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves the event loop free while it infers', async () => {
    const r = new OrtThreadRunner(VOCODER);
    await r.load();
    let ticks = 0;
    const iv = setInterval(() => ticks++, 1);
    let done = false;
    const p = r.infer({ mel: mel(1500) }).then(() => (done = true));
    await new Promise((res) => setTimeout(res, 5));
    const ticksBeforeDone = done ? -1 : ticks;
    await p;
    clearInterval(iv);
    expect(ticksBeforeDone).toBeGreaterThan(0); // timers ran while the inference was still going
    await r.close();
  });

  it('a call that overruns the timeout is answered by the fallback; the primary stays in use', async () => {
    const primary = new OrtThreadRunner(VOCODER);
    const fallback = new OrtThreadRunner(VOCODER);
    const f = new FallbackRunner(primary, fallback, { timeoutMs: 1 });
    await f.load();
    const big = await f.inferTraced({ mel: mel(1500) });
    expect(big.fallback).toBe('timeout');
    expect(big.outputs.waveform!.shape).toEqual([1, 1, 1500 * 256]);
    expect(f.events.map((e) => e.stage)).toEqual(['timeout']);
    expect(f.brokenAt).toBeNull();
    await f.close();
  });

  it('bad files and bad shapes end in one-line UserErrors', async () => {
    const bad = new OrtThreadRunner(join(ROOT, 'test/fixtures/onnx/garbage.onnx'));
    await expect(bad.load()).rejects.toThrow(UserError);
    await expect(bad.load()).rejects.toThrow(/ONNX Runtime cannot load the model/);
    await expect(new OrtThreadRunner(join(ROOT, 'nope.onnx')).load()).rejects.toThrow(/ONNX model not found/);
    const r = new OrtThreadRunner(VOCODER);
    await r.load();
    await expect(r.infer({ mel: { dtype: 'float32', shape: [1, 79, 10], data: new Float32Array(790) } })).rejects.toThrow(/ONNX Runtime inference failed on .*vocoder.onnx with mel\[1x79x10\]/);
    await expect(r.infer({})).rejects.toThrow(/missing input "mel"/);
    expect((await r.infer({ mel: mel(10) })).waveform!.shape).toEqual([1, 1, 2560]); // still serving after an error
    await r.close();
  });
});
