// Whole requests with the vocoder on chunks (serving.chunk_frames, src/pipeline/chunked.ts): the windows
// cover the input once, each kept piece at most a chunk long and carrying its context; on the bundled
// tiny model's vocoder (its PyTorch reference case of 424 frames, FP32 on ONNX Runtime) the chunked
// waveform is the whole-input one, from ceil(424 / frames) calls; other stages, short inputs and no
// setting run whole; and without the context the seams change the audio. With lanes (serving.chunk_lanes:
// makeRunners' pool of one-thread sessions) the chunks are a multiple of the lanes, run at once, and give
// the same waveform.
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { chunkCount, chunkWindows, inferChunked } from '../../src/pipeline/chunked.ts';
import { lastChunkedStage } from '../../src/pipeline/stream.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import type { Runner } from '../../src/runtime/runner.ts';
import { makeRunners } from '../../src/synth/runners.ts';
import { readNpz } from '../../src/tensor/io.ts';
import type { Tensor, TensorMap } from '../../src/tensor/tensor.ts';
import { elementwise } from '../../src/compare/metrics.ts';

const ROOT = resolve(__dirname, '../..');

describe('chunkWindows', () => {
  it('keeps every frame once, no piece over the chunk, context clipped at the ends', () => {
    for (const [T, frames] of [[424, 128], [424, 100], [129, 128], [7, 3], [1000, 1]] as const) {
      const w = chunkWindows(T, frames, 11, 7);
      expect(w.length).toBe(Math.ceil(T / frames));
      expect(w[0]!.keepFrom).toBe(0);
      expect(w.at(-1)!.keepTo).toBe(T);
      for (const [i, x] of w.entries()) {
        if (i > 0) expect(x.keepFrom).toBe(w[i - 1]!.keepTo);
        expect(x.keepTo - x.keepFrom).toBeGreaterThan(0);
        expect(x.keepTo - x.keepFrom).toBeLessThanOrEqual(frames);
        expect(x.from).toBe(Math.max(0, x.keepFrom - 11));
        expect(x.to).toBe(Math.min(T, x.keepTo + 7));
      }
    }
    expect(chunkWindows(424, 128, 0, 0).map((x) => x.keepTo - x.keepFrom)).toEqual([106, 106, 106, 106]);
    expect(chunkWindows(50, 128, 5, 5)).toEqual([{ keepFrom: 0, keepTo: 50, from: 0, to: 50 }]);
  });

  it('with lanes: a multiple of the lanes, unless the pieces would be shorter than twice their context', () => {
    expect(chunkCount(516, 1024, 14, 2)).toBe(2); // one chunk's worth, cut for two lanes
    expect(chunkCount(516, 128, 14, 2)).toBe(6); // five chunks of at most 128, rounded up to six
    expect(chunkCount(516, 128, 14, 1)).toBe(5);
    expect(chunkCount(40, 1024, 14, 2)).toBe(1); // two pieces of 20 frames would carry 14 of context each
    expect(chunkCount(56, 1024, 14, 2)).toBe(2);
    expect(chunkCount(100, 10, 14, 4)).toBe(10); // never over the chunk size, whatever the lanes
    const w = chunkWindows(516, 1024, 7, 7, 2);
    expect(w).toEqual([{ keepFrom: 0, keepTo: 258, from: 0, to: 265 }, { keepFrom: 258, keepTo: 516, from: 251, to: 516 }]);
  });
});

describe('inferChunked on the tiny model vocoder', async () => {
  const manifest = await loadModelManifest(resolve(ROOT, 'models/tiny/manifest.yaml'));
  const vocoder = manifest.graph.find((s) => s.module === 'vocoder')!;
  const ort = new OrtRunner(manifest.modules.vocoder!.file, { intraOpThreads: 1 });
  await ort.load();
  afterAll(() => ort.close());
  const calls: number[] = [];
  const counting: Runner = {
    name: 'counting',
    load: () => ort.load(),
    close: async () => {},
    inputs: () => ort.inputs(),
    outputs: () => ort.outputs(),
    infer: (feeds: TensorMap, names?: string[]) => {
      calls.push(feeds.mel!.shape[2]!);
      return ort.infer(feeds, names);
    },
  };
  const mel = (await readNpz(resolve(ROOT, 'models/tiny/refs/vocoder/typical.npz'))).mel as Tensor;
  const whole = (await ort.infer({ mel }, ['waveform'])).waveform!.data as Float32Array;
  const relL2 = (a: Float32Array, b: Float32Array) => elementwise(b, a).rel_l2; // a: the whole run

  it('gives the whole-input waveform from ceil(T / frames) calls of at most frames + context', async () => {
    const plan = await lastChunkedStage(manifest);
    expect(plan.module).toBe('vocoder');
    for (const frames of [128, 50]) {
      calls.length = 0;
      const r = await inferChunked(manifest, frames, vocoder, counting, { mel }, ['waveform']);
      const out = r!.outputs.waveform!;
      expect(out.shape).toEqual([1, 1, whole.length]);
      expect(relL2(whole, out.data as Float32Array)).toBeLessThan(1e-6);
      expect(calls.length).toBe(Math.ceil(424 / frames));
      expect(Math.max(...calls)).toBeLessThanOrEqual(frames + plan.left + plan.right);
    }
  });

  it('runs whole: no setting, an input within one chunk, a stage that is not the last streaming one', async () => {
    expect(await inferChunked(manifest, undefined, vocoder, counting, { mel }, ['waveform'])).toBeNull();
    expect(await inferChunked(manifest, 0, vocoder, counting, { mel }, ['waveform'])).toBeNull();
    expect(await inferChunked(manifest, 424, vocoder, counting, { mel }, ['waveform'])).toBeNull();
    const other = manifest.graph.find((s) => s.module && s.module !== 'vocoder')!;
    expect(await inferChunked(manifest, 16, other, counting, { mel }, ['waveform'])).toBeNull();
  });

  it('with two lanes (makeRunners, chunkLanes 2): two halves at once, the whole-input waveform', async () => {
    const pool = makeRunners(manifest, 'ort', { chunkLanes: 2 }).vocoder!;
    await pool.load();
    try {
      expect(pool.lanes).toBe(2);
      const seen: number[] = [];
      let running = 0;
      let most = 0;
      const watched: Runner = {
        ...pool,
        name: 'watched pool',
        lanes: pool.lanes,
        load: () => pool.load(),
        close: async () => {},
        inputs: () => pool.inputs(),
        outputs: () => pool.outputs(),
        infer: async (feeds: TensorMap, names?: string[]) => {
          seen.push(feeds.mel!.shape[2]!);
          most = Math.max(most, ++running);
          try {
            return await pool.infer(feeds, names);
          } finally {
            running--;
          }
        },
      };
      const r = await inferChunked(manifest, undefined, vocoder, watched, { mel }, ['waveform']);
      expect(relL2(whole, r!.outputs.waveform!.data as Float32Array)).toBeLessThan(1e-6);
      const plan = await lastChunkedStage(manifest);
      expect(seen).toEqual([212 + plan.right, 212 + plan.left]);
      expect(most).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('needs the context: chunks without it change the audio at the seams', async () => {
    const plan = await lastChunkedStage(manifest);
    const saved = { left: plan.left, right: plan.right };
    Object.assign(plan, { left: 0, right: 0 }); // the cached plan, for this call only
    try {
      const r = await inferChunked(manifest, 50, vocoder, counting, { mel }, ['waveform']);
      expect(relL2(whole, r!.outputs.waveform!.data as Float32Array)).toBeGreaterThan(1e-3);
    } finally {
      Object.assign(plan, saved);
    }
  });
});
