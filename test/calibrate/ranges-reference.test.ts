// The range algorithms against ONNX Runtime and NVIDIA modelopt on the same 2048-bin histograms of real
// speech and synthetic data (test/fixtures/calib/make.py). Each case searches ~2000 candidates over 2048
// bins, which takes minutes under mutation testing's instrumentation, so these cross-checks live apart
// from ranges.test.ts (the fast, small-histogram tests that stryker.config.mjs runs).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AbsHistogram } from '../../src/calibrate/histogram.ts';
import { ENTROPY_MODELOPT, entropyAmax, ortEntropyThreshold } from '../../src/calibrate/ranges.ts';

interface RefCase {
  n: number;
  absmax: number;
  ort: { hist: number[]; edges: number[]; min: number; max: number; low: number; high: number };
  abs: { counts: number[]; range: number; modelopt_entropy_amax: number; modelopt_percentile_99_9_amax: number };
}
const ref = JSON.parse(readFileSync(new URL('../fixtures/calib/ranges-ref.json', import.meta.url), 'utf8')) as {
  onnxruntime: string;
  cases: Record<string, RefCase>;
};

describe(`cross-check on the same histograms (fixtures from onnxruntime ${ref.onnxruntime} and NVIDIA modelopt)`, () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(`${name}: ONNX Runtime's entropy threshold`, () => {
      const t = ortEntropyThreshold(c.ort.hist, c.ort.edges, c.ort.min, c.ort.max, 128);
      const width = c.ort.edges[1]! - c.ort.edges[0]!;
      expect(Math.abs(t.high - c.ort.high)).toBeLessThanOrEqual(width * 1.0001);
      expect(Math.abs(t.low - c.ort.low)).toBeLessThanOrEqual(width * 1.0001);
    });

    it(`${name}: modelopt (pytorch-quantization) entropy amax, no smoothing`, () => {
      const h: AbsHistogram = { counts: Float64Array.from(c.abs.counts), range: c.abs.range };
      const width = c.abs.range / 2048;
      const r = entropyAmax(h, ENTROPY_MODELOPT);
      expect(Math.abs(r.amax - c.abs.modelopt_entropy_amax)).toBeLessThanOrEqual(width * 1e-3);
      // the default (smoothed) variant stays close to it
      expect(Math.abs(entropyAmax(h).amax - c.abs.modelopt_entropy_amax)).toBeLessThan(0.1 * c.absmax);
    });
  }
});
