// OrtThreadRunner: ONNX Runtime in a worker thread. Same numbers as the in-process runner on the bundled
// model; the event loop stays free while it infers (so a serving timeout can fire); errors are the
// same one-line UserErrors; a timeout really hands the call to the fallback; the threads' garbage
// collections (every 4 MB of tensors) leave answers as they were.
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { FallbackRunner } from '../../src/runtime/fallback.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import { OrtThread, OrtThreadRunner } from '../../src/runtime/ort-thread.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

const ROOT = resolve(__dirname, '../..');
const VOCODER = join(ROOT, 'models/tiny/vocoder.onnx');
const TEXT_ENCODER = join(ROOT, 'models/tiny/text_encoder.onnx');
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

  it('keeps answering right across its garbage collections (more than 4 MB of tensors through both threads)', async () => {
    const a = new OrtRunner(VOCODER);
    const b = new OrtThreadRunner(VOCODER);
    await Promise.all([a.load(), b.load()]);
    const feeds = { mel: mel(200) }; // 64 KB in, 200 KB out a call
    const want = Array.from((await a.infer(feeds)).waveform!.data as Float32Array);
    for (let i = 0; i < 24; i++) expect(Array.from((await b.infer(feeds)).waveform!.data as Float32Array)).toEqual(want);
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

  it('runners sharing one thread each keep their own session; a bad file or a closed runner leaves the others serving', async () => {
    const thread = new OrtThread();
    const voc = new OrtThreadRunner(VOCODER, {}, thread);
    const enc = new OrtThreadRunner(TEXT_ENCODER, {}, thread);
    const bad = new OrtThreadRunner(join(ROOT, 'test/fixtures/onnx/garbage.onnx'), {}, thread);
    const ref = new OrtRunner(VOCODER);
    await Promise.all([voc.load(), enc.load(), ref.load()]);
    await expect(bad.load()).rejects.toThrow(/ONNX Runtime cannot load the model/);
    expect(voc.inputs().map((i) => i.name)).toEqual(['mel']);
    expect(enc.inputs().map((i) => i.name)).toEqual(['phoneme_ids']);
    const ids = { phoneme_ids: { dtype: 'int32' as const, shape: [1, 7], data: Int32Array.of(3, 9, 4, 12, 5, 8, 2) } };
    const [w, h, r] = await Promise.all([voc.infer({ mel: mel(40) }), enc.infer(ids), ref.infer({ mel: mel(40) })]);
    expect(Array.from(w.waveform!.data as Float32Array)).toEqual(Array.from(r.waveform!.data as Float32Array));
    expect(h.text_hidden!.shape).toEqual([1, 7, 64]);
    await enc.close();
    await expect(enc.infer(ids)).rejects.toThrow(/load\(\) was not called/);
    expect((await voc.infer({ mel: mel(10) })).waveform!.shape).toEqual([1, 1, 2560]); // the other session still serves
    await Promise.all([voc.close(), ref.close()]);
  });
});
