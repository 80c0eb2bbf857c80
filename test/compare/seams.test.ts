// Seam clicks, measured by hand-worked jumps: which offsets count as seams, and which jumps go where.
import { describe, expect, it } from 'vitest';
import { seamJumps } from '../../src/compare/seams.ts';

describe('seamJumps', () => {
  // jumps |x[i] - x[i-1]|: i=1 0.25, i=2 0.5, i=3 0, i=4 0.375 (x falls there), i=5 0.125
  const x = new Float32Array([0, 0.25, 0.75, 0.75, 0.375, 0.5]);

  it('splits the largest jump at the seams from the largest elsewhere; 0, the end and offsets outside are not seams', () => {
    const r = seamJumps(x, [2, 0, 6, 99, -1, 4, 4]);
    expect(r).toEqual({ maxSeamJump: 0.5, maxOtherJump: 0.25, seams: 2 });
  });

  it('a falling seam counts by its size, and the last sample may start a chunk', () => {
    expect(seamJumps(x, [4])).toEqual({ maxSeamJump: 0.375, maxOtherJump: 0.5, seams: 1 });
    expect(seamJumps(x, [5])).toEqual({ maxSeamJump: 0.125, maxOtherJump: 0.5, seams: 1 });
  });

  it('no seams, and no samples', () => {
    expect(seamJumps(x, [])).toEqual({ maxSeamJump: 0, maxOtherJump: 0.5, seams: 0 });
    expect(seamJumps(new Float32Array(0), [1])).toEqual({ maxSeamJump: 0, maxOtherJump: 0, seams: 0 });
    expect(seamJumps(new Float32Array([0.5]), [0])).toEqual({ maxSeamJump: 0, maxOtherJump: 0, seams: 0 });
  });
});
