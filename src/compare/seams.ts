// Clicks at chunk seams, measured: the largest sample-to-sample jump where two chunks meet, beside the
// largest jump anywhere else. A seam that clicks jumps further than the audio ever does on its own.
// Pure, over typed arrays.

export interface SeamReport {
  /** Largest |x[s] − x[s−1]| over the seams s (the first sample of every chunk after the first). */
  maxSeamJump: number;
  /** Largest |x[i] − x[i−1]| at every other i. */
  maxOtherJump: number;
  seams: number;
}

/** `seams`: sample offsets where a new chunk starts (0 and the end are ignored). */
export function seamJumps(x: Float32Array, seams: readonly number[]): SeamReport {
  const at = new Set(seams.filter((s) => s > 0 && s < x.length));
  let maxSeamJump = 0;
  let maxOtherJump = 0;
  for (let i = 1; i < x.length; i++) {
    const j = Math.abs(x[i]! - x[i - 1]!);
    if (at.has(i)) maxSeamJump = Math.max(maxSeamJump, j);
    else maxOtherJump = Math.max(maxOtherJump, j);
  }
  return { maxSeamJump, maxOtherJump, seams: at.size };
}
