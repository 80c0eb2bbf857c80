// The serving benchmark: its arithmetic (pure), and `emovoice bench` on the real tiny model with the
// ONNX Runtime backend (structure, fallbacks and limits only: speed targets are benchmarks, not tests).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { resolve } from 'node:path';
import { benchText, p99Label, percentile, runStreams, stageStats, stats } from '../../src/bench/load.ts';
import { renderOrt } from '../../src/bench/report.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { registry } from '../../src/pipeline/registry.ts';
import type { StageTiming } from '../../src/pipeline/executor.ts';
import { textToPhonemes } from '../../src/text/frontend.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const BENCH_SENTENCE = registry.families.get('ref-audio')!.sampleText!;

const ROOT = resolve(__dirname, '../..');
const BIN = resolve(ROOT, 'bin/emovoice.js');
const haveTorch = (await execa('python3', ['-c', 'import torch, yaml'], { reject: false })).exitCode === 0;
if (!haveTorch) console.log('SKIPPED: the PyTorch-baseline bench test: python3 with torch not available (scripts/setup.sh installs it)');
const bench = (args: string[], env: Record<string, string> = {}) => execa('node', [BIN, 'bench', ...args], { cwd: ROOT, reject: false, env });

describe('bench arithmetic', () => {
  it('percentiles use the nearest-rank definition', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile([5], 99)).toBe(5);
    expect(stats([1, 2, 3, 4]).mean).toBe(2.5);
  });

  it('a "P99" of fewer than 100 samples is called what it is: the max of N', () => {
    expect(p99Label(8)).toBe('max of 8');
    expect(p99Label(99)).toBe('max of 99');
    expect(p99Label(100)).toBe('P99');
  });

  it('builds a real mixed-language text whose phoneme count is the closest the sentence allows to the target', async () => {
    const m = await loadModelManifest(resolve(ROOT, 'models/tiny/manifest.yaml'));
    const count = (t: string) => textToPhonemes(t, { symbols: m.frontend.symbols }).ids.length;
    const one = count(BENCH_SENTENCE);
    expect(textToPhonemes(BENCH_SENTENCE, { symbols: m.frontend.symbols }).warnings).toEqual([]);
    expect(BENCH_SENTENCE).toMatch(/[a-z]/);
    expect(BENCH_SENTENCE).toMatch(/[\u4e00-\u9fff]/);
    for (const target of [5, 60, 188, 400]) {
      const text = await benchText(target, count, BENCH_SENTENCE);
      const n = count(text);
      const k = text.split(BENCH_SENTENCE).length - 1;
      expect(text).toBe(Array(k).fill(BENCH_SENTENCE).join(' '));
      // one sentence more or fewer would be farther from the target
      const other = [k - 1, k + 1].filter((j) => j >= 1).map((j) => count(Array(j).fill(BENCH_SENTENCE).join(' ')));
      for (const o of other) expect(Math.abs(o - target)).toBeGreaterThanOrEqual(Math.abs(n - target));
      if (target <= one) expect(k).toBe(1);
    }
  });

  it('benchText stops when the sentence adds no phonemes', async () => {
    expect(await benchText(100, () => 3, '!!!')).toBe('!!!');
  });

  it('stage statistics sum a stage within a request (its parts) and count requests a fallback answered', () => {
    const req = (voc: number[], fb = false, late = false): StageTiming[] => [
      { stage: 'frontend', ms: 1 },
      ...voc.map((ms, i) => ({ stage: 'vocoder', ms, ...(fb && i === 0 ? { fallback: 'timeout' as const } : {}), ...(late && i === 1 ? { overran: true as const } : {}) })),
    ];
    const s = stageStats([req([10, 20], false, true), req([5], true), req([1, 2], true, true)]);
    expect(s.map((x) => x.stage)).toEqual(['frontend', 'vocoder']);
    expect(s[1]).toEqual({ stage: 'vocoder', mean: (30 + 5 + 3) / 3, p99: 30, fellBack: 2, overran: 2 });
    expect([s[0]!.fellBack, s[0]!.overran]).toEqual([0, 0]);
  });

  it('runStreams runs streams × requests and counts the requests that fell back', async () => {
    let i = 0;
    const serve = async () => ({ stages: [{ stage: 'vocoder', ms: 1, ...(i++ % 3 === 0 ? { fallback: 'load' as const } : {}) }] });
    const r = await runStreams(serve, 3, 4, 1e9);
    expect(r.requests).toBe(12);
    // every request's latency is kept (the HTML report's histogram), and the statistics are theirs
    expect(r.latenciesMs).toHaveLength(12);
    expect(Math.max(...r.latenciesMs!)).toBeCloseTo(r.latency.max, 1);
    expect([r.fellBack, r.overran]).toEqual([4, 0]);
    expect(r.stages).toEqual([{ stage: 'vocoder', mean: 1, p99: 1, fellBack: 4, overran: 0 }]);
    expect(r.meetsSlo).toBe(true);
  });
});

describe('emovoice bench --profile cpu (ONNX Runtime, the real tiny model)', () => {
  it('serves requests from text and reports every stream level and every stage', async () => {
    const r = await bench(['--profile', 'cpu', '--text-seconds', '2', '--streams', '1,2', '--requests', '2', '--baseline', 'none', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.sweep.map((s: { streams: number; requests: number }) => [s.streams, s.requests])).toEqual([[1, 2], [2, 2]]);
    expect(j.single.n).toBe(2);
    expect(j.text).toContain(BENCH_SENTENCE);
    expect(j.parts).toBe(1);
    expect(j.audioSeconds).toBeGreaterThan(1);
    expect(j.stages.map((s: { stage: string }) => s.stage)).toEqual(['frontend', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder']);
    for (const s of j.stages) expect(s.meanMs).toBeGreaterThanOrEqual(0);
    expect(j.stages[1].note).toMatch(/cached per conditioning \(first time: \d+\.\d ms once\)/);
    // every request of the sweep carries the pipeline's own stage timings, the frontend included
    expect(j.sweep[1].stages.map((s: { stage: string }) => s.stage)).toEqual(['frontend', 'style_encoder (cached)', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder']);
    expect(j.sweep.map((s: { fellBack: number }) => s.fellBack)).toEqual([0, 0]);
    expect(j.fallback).toMatchObject({ timeoutMs: 2000, failEngines: [], onFallback: [] });
    expect(j.maxStreamsWithinSlo).toBe(Math.max(0, ...j.sweep.filter((s: { meetsSlo: boolean }) => s.meetsSlo).map((s: { streams: number }) => s.streams)));
  });

  it('--fail-engine vocoder: every request runs the vocoder on its CPU fallback, and the report says so', async () => {
    let r = await bench(['--profile', 'cpu', '--text-seconds', '2', '--streams', '1,2', '--requests', '2', '--baseline', 'none', '--fail-engine', 'vocoder', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.fallback.failEngines).toEqual(['vocoder']);
    expect(j.fallback.onFallback).toEqual([{ module: 'vocoder', why: 'load', reason: 'vocoder disabled by --fail-engine' }]);
    expect(j.sweep.map((s: { fellBack: number; requests: number }) => s.fellBack === s.requests)).toEqual([true, true]);
    const voc = j.sweep[1].stages.find((s: { stage: string }) => s.stage === 'vocoder');
    const dec = j.sweep[1].stages.find((s: { stage: string }) => s.stage === 'acoustic_decoder');
    expect([voc.fellBack, dec.fellBack]).toEqual([2, 0]);
    r = await bench(['--profile', 'cpu', '--text-seconds', '2', '--streams', '1', '--requests', '1', '--baseline', 'none', '--fail-engine', 'vocoder,text_encoder']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^FALLBACK: text_encoder ran on its ONNX Runtime CPU fallback for every request/m);
    expect(r.stdout).toMatch(/^FALLBACK: vocoder ran on its ONNX Runtime CPU fallback for every request \(its engine did not load/m);
    expect(r.stdout).toMatch(/^ +1 +1 .* 1\/1 +\d\/1$/m); // the sweep row: 1 of 1 requests fell back
  });

  it('a timeout never takes a module out of use: each overrunning call is either answered by the fallback or counted as overran', async () => {
    // 1 ms is below any vocoder call. The sessions run in worker threads (OrtThreadRunner), so the
    // timeout fires and the fallback answers; an overrun that slips through is counted as overran.
    // None may switch the vocoder to its fallback for good.
    const r = await bench(['--profile', 'cpu', '--text-seconds', '2', '--streams', '1', '--requests', '3', '--warmup', '1', '--baseline', 'none', '--set', 'serving.timeout_ms=1', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.fallback.onFallback).toEqual([]);
    // the sample sentence that sizes the text, one warm-up, the one-stream run (the sweep's level 1), each
    // request's vocoder input in two chunks (configs/cpu.yaml: serving.chunk_lanes 2), each its own call
    const calls = (1 + 1 + 3) * 2;
    expect(j.fallback.timeouts.vocoder + j.fallback.overran.vocoder).toBe(calls);
    const voc = j.sweep[0].stages.find((s: { stage: string }) => s.stage === 'vocoder');
    expect(voc.fellBack + voc.overran).toBe(3);
  });

  it('text over serving.max_text_len is split, with one warning line naming the field, the profile file and the fix', async () => {
    const r = await bench(['--profile', 'cpu', '--text-seconds', '15', '--streams', '1', '--requests', '1', '--baseline', 'none', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.maxTextLen).toBe(128);
    expect(j.phonemes).toBeGreaterThan(128);
    expect(j.parts).toBeGreaterThan(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: \S*configs\/base\.yaml:\d+:\d+ serving\.max_text_len: the text is \d+ phonemes, over the limit of 128 .* split .* into \d+ parts.*\(fix: shorten the text, or raise serving\.max_text_len/);
    expect(j.warnings).toEqual([lines[0]!.slice('warning: '.length)]);
  });

  it('user errors in flags end in one error line and exit 2', async () => {
    for (const [args, msg] of [
      [['--fail-engine', 'vocoder,bogus'], /^error: --fail-engine: unknown module "bogus" \(fix: use one of: style_encoder, text_encoder, acoustic_encoder, acoustic_decoder, vocoder\)/],
      [['--streams', '1,x'], /^error: --streams: "x" is not a positive whole number \(fix: /],
      [['--text-seconds', '-3'], /^error: --text-seconds: "-3" is not a positive number/],
      [['--requests', '8,9'], /^error: --requests: "8,9" is not a positive whole number \(fix: e\.g\. --requests 2\)/],
      [['--backend', 'tpu'], /^error: --backend: unknown backend "tpu" \(fix: use ort, cuda, trt, trtexec/],
    ] as [string[], RegExp][]) {
      // refused before anything is measured: the CLI's main() in this process (test/support/cli-inprocess.ts)
      const r = await cliInProcess(['bench', '--profile', 'cpu', '--baseline', 'none', ...args], { cwd: ROOT });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe.skipIf(!haveTorch)('emovoice bench --profile cpu against PyTorch eager (the reference model, same text)', () => {
  it('prints the before/after table with the PyTorch column measured on this machine', async () => {
    const r = await bench(['--profile', 'cpu', '--text-seconds', '2', '--streams', '1,2', '--requests', '2', '--warmup', '1', '--json']);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    const b = j.baseline;
    expect(b.device).toBe('cpu');
    // equal work: the same token ids in the same parts give the same audio on both sides
    expect(b.phonemes).toBe(j.phonemes);
    expect(b.audioSeconds).toBeCloseTo(j.audioSeconds, 2);
    expect(Object.keys(b.stages).sort()).toEqual(['acoustic_decoder', 'acoustic_encoder', 'length regulation', 'reference log-mel', 'style_encoder', 'text_encoder', 'vocoder']);
    // the same statistics from the same number of measured requests, warm-up excluded on both sides
    expect(b.latency.n).toBe(j.single.n);
    expect(b.warmup).toBe(j.warmup);
    expect(b.latency.p50).toBeGreaterThan(0);
    expect(b.sweep.map((s: { streams: number; latency: { n: number } }) => [s.streams, s.latency.n])).toEqual([[1, 2], [2, 2]]);
    expect(b.peakRssMiB).toBeGreaterThan(50); // torch alone is larger than this
    expect(j.peakRssMiB).toBeGreaterThan(50);
    // the table `emovoice bench` prints without --json is renderOrt of this same report (src/cli/bench.ts;
    // the text path itself runs in the tests above): rendered here rather than benchmarked a second time
    const t = { stdout: renderOrt(j) };
    const lines = t.stdout.split('\n');
    expect(lines[1]).toMatch(/^ +PyTorch eager \(cpu\) +ort$/);
    expect(t.stdout).toMatch(/^end-to-end latency, P99 \(ms\) +\d+\.\d \(max of 2\) +\d+\.\d \(max of 2\)$/m);
    for (const row of [/^end-to-end latency, mean \(ms\)/, /^end-to-end latency, median \(ms\)/, /^peak memory \(MiB, process RSS\)/, /^audio per request \(s\)/]) {
      const line = lines.find((l) => row.test(l));
      expect(line).toMatch(/ \d+(\.\d+)? +\d+(\.\d+)?$/); // a number in both columns
    }
    expect(t.stdout).toMatch(/^concurrent streams within P99 130 ms +\d+ +\d+$/m);
  }, 300_000); // a PyTorch process (torch import, eager runs) on a 2-core machine
});
