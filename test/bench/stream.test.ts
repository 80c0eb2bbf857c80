// The streaming benchmark's pure parts: a streams level counts every request's own first-audio and full
// times, the first-audio breakdown averages over requests, and the table puts ours beside the baseline's
// first audio per level with the verdict the done-when reads.
import { describe, expect, it } from 'vitest';
import { stats } from '../../src/bench/load.ts';
import { meanStages, renderStream, runStreamLevel, type StreamBenchReport } from '../../src/bench/stream.ts';

describe('bench --stream', () => {
  it('a level runs streams × requests, each timed to its first and last audio', async () => {
    let n = 0;
    const l = await runStreamLevel(async () => {
      n++;
      return { firstAudioMs: n, totalMs: 10 * n };
    }, 3, 4);
    expect(l.requests).toBe(12);
    expect(l.firstAudio.max).toBe(12);
    expect(l.full.p50).toBe(60);
    expect(l.throughputRps).toBeGreaterThan(0);
  });

  it('the first-audio breakdown is a mean per stage over requests', () => {
    expect(meanStages([[{ stage: 'frontend', ms: 2 }, { stage: 'vocoder (first chunk)', ms: 10 }], [{ stage: 'frontend', ms: 4 }, { stage: 'vocoder (first chunk)', ms: 20 }]])).toEqual([
      { stage: 'frontend', ms: 3 },
      { stage: 'vocoder (first chunk)', ms: 15 },
    ]);
  });

  it('the table: ours beside the baseline per streams level, and the verdict', () => {
    const s = (xs: number[]) => stats(xs);
    const r: StreamBenchReport = {
      profile: 'piper-joe-cpu',
      machine: '2 × CPU, 24 GiB',
      load: { start: [1, 1, 1], end: [2, 2, 2] },
      text: 'x',
      textSeconds: 15,
      audioSeconds: 14,
      phonemes: 500,
      parts: 5,
      chunks: { firstFrames: 24, frames: 256, samplesPerFrame: 256, sampleRate: 22050 },
      context: [{ stage: 'vocoder', left: 11, right: 11 }],
      warmup: 1,
      whole: s([900, 1000]),
      levels: [{ streams: 1, requests: 2, firstAudio: s([100, 120]), full: s([1000, 1100]), throughputRps: 1 }],
      firstAudioStages: [{ stage: 'frontend', ms: 5 }],
      baseline: { name: 'piper-tts 1.8.0', device: 'cpu', stages: {}, latency: s([800, 900]), warmup: 1, phonemes: 500, audioSeconds: 14, firstAudio: s([300, 310]), sweep: [{ streams: 1, latency: s([800, 900]), throughputRps: 1, meetsSlo: false, firstAudio: s([300, 320]) }] },
      verdict: { ratioP50: 0.1, ratioP99: 0.109, belowBaselineFirstP50: true, belowBaselineFirstP99: true },
      warnings: [],
    };
    const text = renderStream(r);
    expect(text).toMatch(/\| +1 \| +2 \| +100 \/ 120 \| +1000 \/ 1100 \| +10\.0 % \| +300 \/ 320 \| +800 \/ 900 \|/);
    expect(text).toMatch(/P99 columns are "max of 2"/);
    expect(text).toMatch(/first audio is 10\.0 % of full latency at P50 .*below piper-tts 1\.8\.0's first audio at P50, below at P99/);
  });
});
