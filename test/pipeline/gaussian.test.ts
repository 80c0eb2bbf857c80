// The `gaussian` host step (EmotiVoice's Gaussian upsampling) against PyTorch: the committed
// emotivoice-tiny e2e references (durations, frame_times) and torch's upsampling of the same case
// (test/fixtures/gaussian), plus the textbook full softmax on random data and its parameter errors.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { EMOTIVOICE_DURATIONS, gaussianStep, gaussianUpsample, guardSilent } from '../../src/pipeline/steps/gaussian.ts';
import { durationsFromLog } from '../../src/pipeline/steps/length.ts';
import type { FactoryContext } from '../../src/pipeline/types.ts';
import { readNpy, readNpz } from '../../src/tensor/io.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ctx: FactoryContext = { manifestPath: 'm.yaml', dir: ROOT, audio: { sample_rate: 16000 }, place: { file: 'manifest.yaml', path: 'graph[8].params' } };

function full(hidden: Float32Array, T: number, H: number, d: Int32Array, delta: number): Float64Array {
  const c: number[] = [];
  let F = 0;
  for (let j = 0; j < T; j++) (F += d[j]!), c.push(F - d[j]! / 2);
  const out = new Float64Array(F * H);
  for (let f = 0; f < F; f++) {
    const e = c.map((cj) => -delta * (f - cj) ** 2);
    const m = Math.max(...e);
    const w = e.map((x) => Math.exp(x - m));
    const s = w.reduce((a, b) => a + b, 0);
    for (let j = 0; j < T; j++) for (let k = 0; k < H; k++) out[f * H + k]! += (w[j]! / s) * hidden[j * H + k]!;
  }
  return out;
}

describe('gaussian step', () => {
  it('gives the PyTorch reference durations, frame times and upsampled hidden (emotivoice-tiny e2e/zh)', async () => {
    const ref = await readNpz(resolve(ROOT, 'models/emotivoice-tiny/refs/e2e/zh.npz'));
    const torchFrames = await readNpy(resolve(ROOT, 'test/fixtures/gaussian/zh-frame-hidden.npy'));
    const step = await gaussianStep.create({ delta: 0.1, durations: { scale: 1, offset: 1, rounding: 'round_half_even', min: 0 } }, ctx);
    const out = (await step.run({ log_durations: ref.log_durations!, hidden: ref.adapted_hidden! })) as Record<string, Tensor>;
    expect(out.durations!.shape).toEqual(ref.durations!.shape);
    expect([...(out.durations!.data as Int32Array)]).toEqual([...(ref.durations!.data as Int32Array)]);
    expect([...(out.durations!.data as Int32Array)]).toContain(0); // no 1-frame minimum
    expect(out.frame_times!.shape).toEqual(ref.frame_times!.shape);
    expect([...(out.frame_times!.data as Float32Array)]).toEqual([...(ref.frame_times!.data as Float32Array)]);
    expect(out.hidden!.shape).toEqual(torchFrames.shape);
    const a = out.hidden!.data as Float32Array;
    const b = torchFrames.data as Float32Array;
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) (num += (a[i]! - b[i]!) ** 2), (den += b[i]! ** 2);
    expect(Math.sqrt(num / den)).toBeLessThan(1e-6);
  });

  it('without hidden it only decides the frames (the engine upsamples)', async () => {
    const step = await gaussianStep.create({}, ctx);
    const logD = { dtype: 'float32' as const, shape: [1, 3], data: new Float32Array([Math.log(1 + 2), Math.log(1 + 0.4), Math.log(1 + 3)]) };
    const out = (await step.run({ log_durations: logD })) as Record<string, Tensor>;
    expect(Object.keys(out).sort()).toEqual(['durations', 'frame_times']);
    expect([...(out.durations!.data as Int32Array)]).toEqual([2, 0, 3]);
    expect([...(out.frame_times!.data as Float32Array)]).toEqual([0, 1, 2, 3, 4]);
  });

  it('rounds half to even, clamps at min 0, and gives silent predictions one frame each', () => {
    // exp/subtract are float32 as in torch: feed values whose exp is exactly representable
    const logD = new Float32Array([0, Math.log(2), Math.log(4), -3]);
    expect([...durationsFromLog(logD, EMOTIVOICE_DURATIONS)]).toEqual([0, 1, 3, 0]);
    // exact halves: exp(0) = 1, times scale, minus offset 0 → 0.5, 1.5, 2.5, 3.5
    const halves = [0.5, 1.5, 2.5, 3.5].map((scale) => durationsFromLog(new Float32Array([0]), { ...EMOTIVOICE_DURATIONS, scale, offset: 0 })[0]);
    expect(halves).toEqual([0, 2, 2, 4]);
    expect(durationsFromLog(new Float32Array([0]), { ...EMOTIVOICE_DURATIONS, scale: 2.5, offset: 0, rounding: 'round' })[0]).toBe(3);
    expect(durationsFromLog(new Float32Array([0]), { ...EMOTIVOICE_DURATIONS, scale: 2.5, offset: 0, rounding: 'floor' })[0]).toBe(2);
    expect([...durationsFromLog(new Float32Array([5]), { ...EMOTIVOICE_DURATIONS, max: 50 })]).toEqual([50]);
    expect([...guardSilent(new Int32Array([0, 0, 0]))]).toEqual([1, 1, 1]);
    expect([...guardSilent(new Int32Array([0, 2]))]).toEqual([0, 2]);
  });

  it('equals the full softmax over every phoneme (the window leaves out only weights below float32)', () => {
    let s = 7;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (const T of [1, 5, 60]) {
      const H = 8;
      const hidden = new Float32Array(T * H).map(() => rnd() * 2 - 1);
      const d = guardSilent(new Int32Array(T).map(() => Math.floor(rnd() * 12) * (rnd() < 0.2 ? 0 : 1)));
      const got = gaussianUpsample(hidden, T, H, d, 0.1);
      const want = full(hidden, T, H, d, 0.1);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    }
  });

  it('rejects bad parameters with the manifest place and a fix', async () => {
    const bad = async (p: Record<string, unknown>) => {
      try {
        await gaussianStep.create(p, ctx);
      } catch (e) {
        return e as UserError;
      }
      throw new Error('accepted');
    };
    for (const [p, msg, where] of [
      [{ delta: 0 }, 'delta must be a positive number', 'params.delta'],
      [{ sigma: 1 }, 'unknown parameter "sigma"', 'params.sigma'],
      [{ durations: { rounding: 'nearest' } }, 'rounding must be one of', 'params.durations.rounding'],
      [{ durations: { min: -1 } }, 'min must be a whole number', 'params.durations.min'],
      [{ durations: { min: 3, max: 2 } }, 'durations.max (2) is below durations.min (3)', 'params.durations.max'],
      [{ durations: 'round' }, 'durations must be a mapping', 'params.durations'],
    ] as const) {
      const e = await bad(p);
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain(msg);
      expect(e.format()).toMatch(new RegExp(`^manifest\\.yaml graph\\[8\\]\\.${where.replaceAll('.', '\\.')}: gaussian: .* \\(fix: .+\\)$`));
    }
  });
});
