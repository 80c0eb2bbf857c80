// calibrate --window: equal-length windows of a module's inputs along their time axis, at the same
// offsets for every input that has one; hand-made tensors with known values.
import { describe, expect, it } from 'vitest';
import { timeAxis, windowFeeds } from '../../src/calibrate/windows.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

const ramp = (shape: number[]): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i) });

describe('timeAxis', () => {
  it('is the last axis when its dim is symbolic and not the batch', () => {
    expect(timeAxis({ dims: ['batch', 192, 'frames'] })).toEqual({ axis: 2, dim: 'frames' });
    expect(timeAxis({ dims: ['batch', 'frames', 80] })).toBeNull();
    expect(timeAxis({ dims: ['batch'] })).toBeNull();
  });
});

describe('windowFeeds', () => {
  it('cuts [1, C, T] into windows of exactly N along T, dropping the short tail', () => {
    // [1, 2, 7]: row 0 is 0..6, row 1 is 7..13; windows of 3 → [0,1,2 | 7,8,9], [3,4,5 | 10,11,12]
    const w = windowFeeds({ latent: ramp([1, 2, 7]) }, { latent: { dims: ['batch', 2, 'frames'] } }, 3);
    expect(w).toHaveLength(2);
    expect(w.map((x) => x.latent!.shape)).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect([...(w[0]!.latent!.data as Float32Array)]).toEqual([0, 1, 2, 7, 8, 9]);
    expect([...(w[1]!.latent!.data as Float32Array)]).toEqual([3, 4, 5, 10, 11, 12]);
  });

  it('cuts inputs that share the time axis at the same offsets and repeats the others', () => {
    const specs = { a: { dims: ['batch', 1, 'frames'] }, b: { dims: ['batch', 1, 'frames'] }, speaker: { dims: ['batch', 4] } };
    const feeds = { a: ramp([1, 1, 4]), b: { ...ramp([1, 1, 4]), data: Float32Array.from([10, 11, 12, 13]) }, speaker: ramp([1, 4]) };
    const w = windowFeeds(feeds, specs, 2);
    expect(w.map((x) => [...(x.b!.data as Float32Array)])).toEqual([[10, 11], [12, 13]]);
    expect(w.map((x) => [...(x.a!.data as Float32Array)])).toEqual([[0, 1], [2, 3]]);
    expect(w[1]!.speaker).toBe(feeds.speaker);
  });

  it('gives no window for an input shorter than one', () => {
    expect(windowFeeds({ latent: ramp([1, 2, 2]) }, { latent: { dims: ['batch', 2, 'frames'] } }, 3)).toEqual([]);
  });

  it('refuses inputs whose time axes differ, and modules without one', () => {
    const specs = { ids: { dims: ['batch', 'text_len'] }, frames: { dims: ['batch', 3, 'frames'] } };
    expect(() => windowFeeds({ ids: ramp([1, 5]), frames: ramp([1, 3, 9]) }, specs, 2)).toThrow(/--window: the inputs' time axes differ \(ids: text_len = 5, frames: frames = 9\)/);
    expect(() => windowFeeds({ x: ramp([1, 4]) }, { x: { dims: ['batch', 4] } }, 2)).toThrow(/--window: no input has a symbolic time axis/);
  });
});
