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

describe('bench --backend trt (STAND-IN trtexec replaying a real trtexec 10 performance log)', () => {
  it('runs every module in performance mode at speech-derived shapes and sums the parsed latencies', async () => {
    const ROOT = resolve(__dirname, '../..');
    const r = await execa('node', [resolve(ROOT, 'bin/emovoice.js'), 'bench', '--profile', 'a10g-fp16', '--backend', 'trt', '--text-seconds', '15', '--streams', '1,4', '--json'], {
      cwd: ROOT,
      env: { TRTEXEC: resolve(ROOT, 'test/fixtures/bin/fake-trtexec'), FAKE_TRTEXEC_LOG: resolve(ROOT, 'test/fixtures/trtexec/trt10-perf-summary-4177.log') },
    });
    const j = JSON.parse(r.stdout);
    expect(j.tensorrt).toBe('10.3.0');
    expect(j.sweep).toHaveLength(2);
    const s = j.sweep[0];
    expect(s.modules.map((m: { module: string }) => m.module)).toEqual(['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']);
    // five modules, each the log's mean 7.60628 ms and p99 12.9675 ms
    expect(s.meanMs).toBeCloseTo(5 * 7.60628, 4);
    expect(s.p99Ms).toBeCloseTo(5 * 12.9675, 4);
    expect(j.maxStreamsWithinSlo).toBe(4); // 64.8 ms ≤ 130 ms
  });

  it('the shapes follow the amount of speech', async () => {
    const { shapesForSpeech } = await import('../../src/bench/trt.ts');
    const { loadModelManifest } = await import('../../src/model/manifest.ts');
    const m = await loadModelManifest(resolve(__dirname, '../../models/tiny/manifest.yaml'));
    const s = shapesForSpeech(m, 15);
    expect(s.vocoder).toEqual([{ name: 'mel', dims: [1, 80, 938] }]);
    expect(s.text_encoder).toEqual([{ name: 'phoneme_ids', dims: [1, 188] }]);
    expect(s.style_encoder![0]!.dims).toEqual([1, 375, 80]);
  });
});

describe('runStreams', () => {
  it('counts requests over the serving timeout (those that would fall back to the CPU path)', async () => {
    const { runStreams } = await import('../../src/bench/load.ts');
    let i = 0;
    const slowEveryOther = { synthesize: () => new Promise((r) => setTimeout(r, i++ % 2 ? 60 : 1)) } as never;
    const r = await runStreams(slowEveryOther, {} as never, 1, 4, 1000, 30);
    expect(r.requests).toBe(4);
    expect(r.overTimeout).toBe(2);
  });
});
