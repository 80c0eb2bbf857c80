import { describe, expect, it } from 'vitest';
import { DEFAULT_DURATION_RULE, durationsFromLog, regulateLength, roundHalfEven, ROUNDINGS, type DurationRule } from '../../src/pipeline/steps/length.ts';

// Expected values below are worked out by hand (Python's round() / torch.round() round half to even).
describe('length regulation', () => {
  it('rounds half to even like torch.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, 2, 3]);
    // negative halves: Math.round(-1.5) is -1, Python's round(-1.5) is -2; round(-2.5) is -2 in both
    expect([-1.5, -2.5, -3.5, 3.5, 7.5, 100.5, 101.5, -0.4, -2.6, 5, -5].map(roundHalfEven)).toEqual([-2, -2, -4, 4, 8, 100, 102, -0, -3, 5, -5]);
  });

  it('turns log-durations into clamped frame counts', () => {
    const logD = new Float32Array([Math.log(1 + 3), Math.log(1 + 0.2), 10, Math.log(1 + 7)]);
    const d = durationsFromLog(logD, { scale: 1, offset: 1, rounding: 'round_half_even', min: 1, max: 50 }, new Uint8Array([0, 0, 0, 1]));
    expect([...d]).toEqual([3, 1, 50, 0]);
  });

  it('rounds exact halves of exp(x)·scale − offset to even (Math.round would give 3, 5 and 1)', () => {
    // exp(0) = 1 exactly, so exp(0)·2.5 − 0 = 2.5 and exp(0)·1 − (−3.5) = 4.5 are exact halves.
    const zero = new Float32Array([0]);
    const rule = (r: Partial<DurationRule>): DurationRule => ({ scale: 1, offset: 0, rounding: 'round_half_even', min: 0, max: 100, ...r });
    expect([...durationsFromLog(zero, rule({ scale: 2.5 }))]).toEqual([2]);
    expect([...durationsFromLog(zero, rule({ offset: -3.5 }))]).toEqual([4]);
    expect([...durationsFromLog(zero, rule({ scale: 0.5 }))]).toEqual([0]);
    // the default rule, round-half-even(exp(x) − 1) in 1 … 50: 0 → 1 (min), 2.2 → 2, e⁵ − 1 → 50 (max), e⁻³ − 1 → 1
    expect(DEFAULT_DURATION_RULE).toEqual({ scale: 1, offset: 1, rounding: 'round_half_even', min: 1, max: 50 });
    expect([...durationsFromLog(new Float32Array([0, Math.log(1 + 2.2), 5, -3]), DEFAULT_DURATION_RULE)]).toEqual([1, 2, 50, 1]);
  });

  it('each rounding, scale, offset and clamp does what the rule says', () => {
    // exp(0)·2.5 = 2.5 and exp(0)·2.2 − 0 = 2.2: the four roundings differ on them
    const x = new Float32Array([0]);
    const got = (rounding: DurationRule['rounding'], scale: number) => durationsFromLog(x, { scale, offset: 0, rounding, min: 0, max: 100 })[0];
    expect(ROUNDINGS.map((r) => got(r, 2.5))).toEqual([2, 3, 3, 2]);
    expect(ROUNDINGS.map((r) => got(r, 2.2))).toEqual([2, 2, 3, 2]);
    expect(ROUNDINGS).toEqual(['round_half_even', 'round', 'ceil', 'floor']);
    // scale multiplies, offset subtracts: exp(0)·6 − 2 = 4
    expect(durationsFromLog(x, { scale: 6, offset: 2, rounding: 'floor', min: 0, max: 100 })[0]).toBe(4);
    // clamps: below min → min, above max → max (min ≠ max, and neither equal to the value)
    const clamp = { scale: 1, offset: 0, rounding: 'floor' as const, min: 3, max: 7 };
    expect([...durationsFromLog(new Float32Array([0, Math.log(5.5), Math.log(20)]), clamp)]).toEqual([3, 5, 7]);
    // a padding position gets 0 frames, below min, whatever its value; others are untouched
    expect([...durationsFromLog(new Float32Array([Math.log(5.5), Math.log(5.5), Math.log(5.5)]), clamp, new Uint8Array([1, 0, 1]))]).toEqual([0, 5, 0]);
    expect(durationsFromLog(new Float32Array(0), clamp)).toEqual(new Int32Array(0));
  });

  it('repeats each phoneme vector by its duration', () => {
    const hidden = { dtype: 'float32' as const, shape: [1, 3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    const out = regulateLength(hidden, new Int32Array([2, 0, 3]));
    expect(out.shape).toEqual([1, 5, 2]);
    expect([...(out.data as Float32Array)]).toEqual([1, 2, 1, 2, 5, 6, 5, 6, 5, 6]);
    expect(out.dtype).toBe('float32');
  });

  it('channels first: [1, H, T] → [1, H, F], each channel repeated along time', () => {
    // H = 2 channels, T = 3 steps: channel 0 = [1, 2, 3], channel 1 = [4, 5, 6]
    const hidden = { dtype: 'float32' as const, shape: [1, 2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    const out = regulateLength(hidden, new Int32Array([1, 3, 2]), false);
    expect(out.shape).toEqual([1, 2, 6]);
    expect(out.dtype).toBe('float32');
    expect([...(out.data as Float32Array)]).toEqual([1, 2, 2, 2, 3, 3, 4, 5, 5, 5, 6, 6]);
    // the same tensor frames-first is [1, T=2, H=3]
    expect([...(regulateLength(hidden, new Int32Array([0, 2])).data as Float32Array)]).toEqual([4, 5, 6, 4, 5, 6]);
  });

  it('refuses a wrong rank, a batch above 1, or durations that do not match the steps', () => {
    const t = (shape: number[]) => ({ dtype: 'float32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    expect(() => regulateLength(t([3, 2]), new Int32Array(3))).toThrow('length regulation expects a rank-3 tensor, got [3, 2]');
    expect(() => regulateLength(t([2, 3, 2]), new Int32Array(3))).toThrow('length regulation expects batch 1, got 2');
    expect(() => regulateLength(t([1, 3, 2]), new Int32Array(2))).toThrow('durations has 2 entries, hidden has 3 steps');
    expect(() => regulateLength(t([1, 3, 2]), new Int32Array(3), false)).toThrow('durations has 3 entries, hidden has 2 steps');
    expect(regulateLength(t([1, 3, 2]), new Int32Array(2), false).shape).toEqual([1, 3, 0]);
  });
});
