// The bench report as text: before/after rows, stages in pipeline order, the sweep, and FALLBACK
// lines that name the modules a CPU fallback served. Pure: hand-made reports in, text out.
import { describe, expect, it } from 'vitest';
import { renderOrt, stageRows, type Baseline, type OrtReport } from '../../src/bench/report.ts';
import { stats } from '../../src/bench/load.ts';

const baseline: Baseline = {
  name: 'PyTorch eager',
  device: 'cpu',
  stages: { style_encoder: 1, text_encoder: 2, acoustic_encoder: 1, 'length regulation': 0.1, acoustic_decoder: 4, vocoder: 70 },
  latency: { n: 3, mean: 80, p50: 78, p90: 85, p99: 90, max: 90 },
  warmup: 2,
  peakGpuMiB: null,
  peakRssMiB: 612.4,
  phonemes: 201,
  audioSeconds: 14.2,
  maxStreamsWithinSlo: 1,
};
const ORDER = ['frontend', 'style_encoder (cached)', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder'];

function report(over: Partial<OrtReport> = {}): OrtReport {
  const lat = stats([90, 100, 110]);
  return {
    profile: 'cpu', backend: 'ort', textSeconds: 15, text: 'x', phonemes: 201, parts: 2, maxTextLen: 128, audioSeconds: 14.2, sloP99Ms: 130, warmup: 2,
    single: lat,
    stages: stageRows(ORDER, [{ stage: 'frontend', mean: 4, p99: 8 }, { stage: 'style_encoder (cached)', mean: 0, p99: 0 }, { stage: 'vocoder', mean: 80, p99: 95, fellBack: 3 }], baseline, { style_encoder: 36 }, 3),
    sweep: [
      { streams: 1, requests: 3, latency: lat, throughputRps: 10, meetsSlo: true, stages: [], fellBack: 3, overran: 0 },
      { streams: 2, requests: 6, latency: stats([150, 160, 170]), throughputRps: 12, meetsSlo: false, stages: [], fellBack: 6, overran: 1 },
    ],
    maxStreamsWithinSlo: 1, peakRssMiB: 300, baseline,
    fallback: { timeoutMs: 2000, failEngines: ['vocoder'], onFallback: [{ module: 'vocoder', why: 'load', reason: 'vocoder disabled by --fail-engine' }], timeouts: { vocoder: 0, text_encoder: 2 }, overran: { acoustic_decoder: 1 } },
    warnings: [],
    ...over,
  };
}

describe('bench report', () => {
  it('stage rows come in pipeline order, with the baseline, the cache and the fallback noted', () => {
    const rows = report().stages;
    expect(rows.map((r) => r.stage)).toEqual(['frontend', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder']);
    expect(rows[0]).toMatchObject({ meanMs: 4, baselineMs: null, note: 'not in the baseline: it starts from the same token ids' });
    expect(rows[1]).toMatchObject({ meanMs: 0, baselineMs: 1, note: 'cached per conditioning (first time: 36.0 ms once)' });
    expect(rows[2]).toMatchObject({ meanMs: null, baselineMs: 2 });
    expect(rows[6]).toMatchObject({ meanMs: 80, p99Ms: 95, baselineMs: 70, fellBack: 3, note: 'CPU fallback in 3/3 requests' });
  });

  it('the text table: before/after, stages, sweep with fallback counts, and what ran on the fallback', () => {
    const t = renderOrt(report());
    const lines = t.split('\n');
    expect(lines[0]).toBe('emovoice bench — profile cpu, 15 s of speech per request (text → audio: 201 phonemes in 2 parts of ≤ 128, 14.2 s audio), P99 objective 130 ms');
    expect(lines[1]).toMatch(/PyTorch eager \(cpu\) +ort \(with fallback\)$/);
    expect(lines[2]).toMatch(/^end-to-end latency, mean \(ms\) +80\.0 +100\.0$/);
    expect(lines[3]).toMatch(/^end-to-end latency, median \(ms\) +78\.0 +100\.0$/);
    // 3 requests are no basis for a 99th percentile: both sides say "max of 3"
    expect(lines[4]).toMatch(/^end-to-end latency, P99 \(ms\) +90\.0 \(max of 3\) +110\.0 \(max of 3\)$/);
    expect(lines[5]).toMatch(/^concurrent streams within P99 130 ms +1 +1$/);
    expect(lines[6]).toMatch(/^peak memory \(MiB, process RSS\) +612 +300$/);
    expect(lines[7]).toMatch(/^audio per request \(s\) +14\.20 +14\.20$/);
    expect(t).toMatch(/^ {2}vocoder +70\.0 +80\.0 +95\.0 {2}CPU fallback in 3\/3 requests$/m);
    expect(t).toMatch(/^ +2 +6 +160\.0 +170\.0 +12\.0 {2}no +6\/6 +1\/6$/m);
    expect(t).toContain('FALLBACK: vocoder ran on its ONNX Runtime CPU fallback for every request (its engine did not load: vocoder disabled by --fail-engine)');
    expect(t).toContain('FALLBACK: calls over the 2000 ms timeout (serving.timeout_ms) answered by the CPU fallback: text_encoder 2');
    expect(t).toContain('requests that fell back, over the streams sweep: 9 of 9');
    expect(t).toContain('OVERRAN: calls over the 2000 ms timeout answered late by the primary (the process was busy when the deadline passed, so the fallback could not step in): acoustic_decoder 1');
  });

  it('labels the baseline column with what the baseline says it is (piper-tts for a Piper voice)', () => {
    const piper = { ...baseline, name: 'piper-tts 1.8.0', runtime: 'piper-tts 1.8.0 (onnxruntime 1.22.0), the unsplit voice' };
    const t = renderOrt(report({ baseline: piper }));
    const lines = t.split('\n');
    expect(lines[1]).toMatch(/^ +piper-tts 1\.8\.0 \(cpu\) +ort \(with fallback\)$/);
    expect(t).not.toMatch(/PyTorch/);
    expect(t).toMatch(/^per stage, one request \(ms\) +piper-tts 1\.8\.0 +ort mean +ort P99$/m);
    expect(t).toContain('the piper-tts 1.8.0 baseline (piper-tts 1.8.0 (onnxruntime 1.22.0), the unsplit voice) runs the same token ids in the same 2 parts');
    expect(renderOrt(report())).toMatch(/^per stage, one request \(ms\) +PyTorch eager +ort mean/m);
  });

  it('says nothing about fallbacks when none happened', () => {
    const t = renderOrt(report({ fallback: { timeoutMs: 2000, failEngines: [], onFallback: [], timeouts: { vocoder: 0 }, overran: {} } }));
    expect(t).not.toMatch(/FALLBACK|OVERRAN|with fallback/);
  });

  it('a baseline without a memory figure shows a dash, not another kind of memory', () => {
    const t = renderOrt(report({ baseline: { ...baseline, peakRssMiB: undefined, peakGpuMiB: 900 } }));
    expect(t).toMatch(/^peak memory \(MiB, process RSS\) +- +300$/m);
  });
});
