import { describe, expect, it } from 'vitest';
import { durationsFromLog, regulateLength, roundHalfEven } from '../../src/pipeline/steps/length.ts';

describe('length regulation', () => {
  it('rounds half to even like torch.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, 2, 3]);
  });

  it('turns log-durations into clamped frame counts', () => {
    const logD = new Float32Array([Math.log(1 + 3), Math.log(1 + 0.2), 10, Math.log(1 + 7)]);
    const d = durationsFromLog(logD, { scale: 1, offset: 1, rounding: 'round_half_even', min: 1, max: 50 }, new Uint8Array([0, 0, 0, 1]));
    expect([...d]).toEqual([3, 1, 50, 0]);
  });

  it('repeats each phoneme vector by its duration', () => {
    const hidden = { dtype: 'float32' as const, shape: [1, 3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    const out = regulateLength(hidden, new Int32Array([2, 0, 3]));
    expect(out.shape).toEqual([1, 5, 2]);
    expect([...(out.data as Float32Array)]).toEqual([1, 2, 1, 2, 5, 6, 5, 6, 5, 6]);
  });
});
