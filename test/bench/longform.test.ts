// The long-form throughput table: audio s per wall s at each batch, the ratio to batch 1, peak memory,
// each module's calls and mean batch, and the padding decisions, from synth --file --json reports.
import { describe, expect, it } from 'vitest';
import { renderLongformBench, type LongformRun } from '../../src/bench/longform.ts';

describe('renderLongformBench', () => {
  it('one row per run, and each batch size over all rounds with its ratio to batch 1', () => {
    const run = (batch: number, wall: number, calls: number, round = 0): LongformRun => ({
      batch,
      round,
      sentences: 61,
      madeAudioSeconds: 109.5,
      wallSeconds: wall,
      peakRssMiB: 400 + batch,
      batches: { vocoder: { calls, mean: 61 / calls } },
      padding: batch > 1 ? { vocoder: { ok: false, relL2: 1.1e-4 } } : {},
    });
    const text = renderLongformBench({ profile: 'piper-joe-cpu', backend: 'ort', file: 'story.txt', machine: '2 × CPU', loadBefore: [1, 2, 3], loadAfter: [1, 1, 1], runs: [run(1, 50, 61), run(4, 40, 20), run(4, 50, 20, 1), run(1, 60, 61, 1)] });
    const rows = text.split('\n').filter((l) => /^\| \d/.test(l));
    expect(rows).toEqual([
      '| 1 | 1 | 61 | 109.5 | 50.0 | 2.19 | 401 | vocoder 61×1.0 |',
      '| 4 | 1 | 61 | 109.5 | 40.0 | 2.74 | 404 | vocoder 20×3.0 |',
      '| 4 | 2 | 61 | 109.5 | 50.0 | 2.19 | 404 | vocoder 20×3.0 |',
      '| 1 | 2 | 61 | 109.5 | 60.0 | 1.82 | 401 | vocoder 61×1.0 |',
    ]);
    // 219 s of audio in 110 s at batch 1, in 90 s at batch 4
    expect(text).toContain('audio s / wall s over all rounds: batch 1 1.99, batch 4 2.43 (1.22× batch 1)');
    expect(text).toContain('machine: 2 × CPU; load average before 1.00 2.00 3.00');
    expect(text).toContain('vocoder at batch 4: equal shapes only (probe rel L2 1.1e-4)');
  });
});
