// The serving benchmark's arithmetic and its command (structure only: speed targets are benchmarks, not tests).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { resolve } from 'node:path';
import { percentile, phonemesForSeconds, stats } from '../../src/bench/load.ts';

describe('bench', () => {
  it('percentiles use the nearest-rank definition', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile([5], 99)).toBe(5);
    expect(stats([1, 2, 3, 4]).mean).toBe(2.5);
    expect(phonemesForSeconds(15, 16000, 256)).toBe(188);
  });

  it('emovoice bench --profile cpu runs the sweep for real and reports every stream count', async () => {
    const r = await execa('node', [resolve(__dirname, '../../bin/emovoice.js'), 'bench', '--profile', 'cpu', '--text-seconds', '2', '--streams', '1,2', '--requests', '2', '--baseline', 'none', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.sweep.map((s: { streams: number; requests: number }) => [s.streams, s.requests])).toEqual([[1, 2], [2, 4]]);
    expect(j.single.n).toBe(2);
    expect(j.audioSeconds).toBeGreaterThan(1);
    expect(j.maxStreamsWithinSlo).toBeGreaterThanOrEqual(0);
  });
});
