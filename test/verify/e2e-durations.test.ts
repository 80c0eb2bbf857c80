// verify's end-to-end cases when a duration rounds to another whole frame: at FP32 that fails, saying the
// durations moved; on a reduced-precision path a move of one frame is judged again with PyTorch's durations
// pinned (and said), a larger move still fails. The real emotivoice tiny export on ONNX Runtime's CPU, its
// acoustic encoder's log-durations nudged so that one phoneme's duration moves by a known number of frames.
import { afterAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import type { Runner } from '../../src/runtime/runner.ts';
import { makeRunners } from '../../src/synth/runners.ts';
import type { TensorMap } from '../../src/tensor/tensor.ts';
import { e2eCases } from '../../src/verify/e2e.ts';
import { verifyE2e } from '../../src/verify/verify.ts';

const ROOT = resolve(__dirname, '../..');

describe('verify e2e: durations that move', async () => {
  const manifest = await loadModelManifest(resolve(ROOT, 'models/emotivoice-tiny/manifest.yaml'));
  const model = await openModel(manifest);
  const runners = makeRunners(manifest, 'ort');
  const c = (await e2eCases(manifest)).find((x) => x.name.endsWith('zh'))!;
  const ref = c.reference.durations!.data as Int32Array;
  const at = ref.findIndex((d) => d >= 2); // d = round(exp(x) − 1): exp(x) + k moves it by exactly k frames
  // the acoustic encoder as run, with one phoneme's log-duration moved by `frames` frames
  let frames = 0;
  const inner = runners.acoustic_encoder!;
  const nudged: Runner = Object.assign(Object.create(inner) as Runner, {
    async infer(feeds: TensorMap, names?: string[]) {
      const out = await inner.infer(feeds, names);
      const x = out.log_durations!.data as Float32Array;
      if (frames) x[at] = Math.log(Math.exp(x[at]!) + frames);
      return out;
    },
  });
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const pipeline = new Pipeline(model, { ...runners, acoustic_encoder: nudged });
  const tolerances = { snr_db_min: 40 };
  afterAll(async () => {
    await Promise.all(Object.values(runners).map((r) => r.close()));
    await model.close();
  });

  it('unmoved, the case passes as it is, with no note, at any precision', async () => {
    frames = 0;
    for (const reduced of [false, true]) {
      const r = await verifyE2e(pipeline, c, tolerances, undefined, { reduced });
      expect(r.pass, r.error).toBe(true);
      expect(r.note).toBeUndefined();
    }
  });

  it('at FP32 a duration one frame off fails the case, saying the durations moved', async () => {
    frames = 1;
    const r = await verifyE2e(pipeline, c, tolerances, undefined, { reduced: false });
    expect(r.pass).toBe(false);
    expect(r.error).toMatch(/the durations moved$/);
  });

  it('on a reduced-precision path one frame is judged with PyTorch\'s durations pinned, and said', async () => {
    frames = 1;
    const r = await verifyE2e(pipeline, c, tolerances, undefined, { reduced: true });
    expect(r.pass, r.error).toBe(true);
    expect(r.note).toBe(`durations: 1 of ${ref.length} moved, by at most 1: judged with PyTorch's durations, frame_times pinned`);
    expect(r.outputs[0]?.metrics?.snr_db ?? 0).toBeGreaterThan(40);
  });

  it('a duration three frames off fails even on a reduced-precision path', async () => {
    frames = 3;
    const r = await verifyE2e(pipeline, c, tolerances, undefined, { reduced: true });
    expect(r.pass).toBe(false);
    expect(r.error).toMatch(/durations: 1 of \d+ moved, by at most 3\)$/);
  });
});
