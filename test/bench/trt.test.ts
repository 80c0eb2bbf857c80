// `emovoice bench --backend trtexec`: the pure parts (shapes for a request, combining module and host
// timings) and the orchestration, run against a STAND-IN trtexec (test/fixtures/bin/fake-trtexec)
// that replays a real trtexec 10.3 performance log. The stand-in is not TensorRT: these tests check
// which runs are made and how their parsed numbers are combined, never engine speed. The CLI's main()
// runs in this process (test/support/cli-inprocess.ts); the stand-in trtexec is a process of its own.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { combineTimings, requestP99, shapesOfParts, traceLatencies, type ModuleTiming } from '../../src/bench/trt.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { makeRunners } from '../../src/synth/runners.ts';
import { synthesizeText } from '../../src/synth/speak.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { diffBench } from '../../src/report/diff.ts';
import { findTrtexec } from '../../src/trtexec/find.ts';

const ROOT = resolve(__dirname, '../..');
const STANDIN = { TRTEXEC: resolve(ROOT, 'test/fixtures/bin/fake-trtexec'), FAKE_TRTEXEC_LOG: resolve(ROOT, 'test/fixtures/trtexec/trt10-perf-summary-4177.log') };
// A synthetic per-call trace in trtexec's --exportTimes layout (100 calls: 97 of 6.5–8.5 ms, then 12.5, 13, 14 ms).
const TIMES = resolve(ROOT, 'test/fixtures/trtexec/standin-times.json');
// What that log reports: "Latency: min = …, max = …, mean = 7.60628 ms, …, percentile(99%) = 12.9675 ms"
const LOG_MEAN = 7.60628;
const LOG_P99 = 12.9675;
const TEXT_MODULES = ['text_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder'];
const hasTrtexec = (await findTrtexec({ PATH: process.env.PATH })) !== null;
const MODULES = ['style_encoder', ...TEXT_MODULES];

/** An output folder with a file per engine for the stand-in to be pointed at (its own marker bytes: not TensorRT plans). */
async function standinEngines(modules = MODULES): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ev-bench-engines-'));
  for (const m of modules) await writeFile(join(dir, `${m}.engine`), 'FAKE-ENGINE-NOT-TENSORRT');
  return dir;
}

describe('bench --backend trtexec: shapes and combination (pure)', () => {
  it('the shapes are those a real run of the request gave each engine call, parts of equal shapes grouped', async () => {
    const m = await loadModelManifest(resolve(ROOT, 'models/tiny/manifest.yaml'));
    const model = await openModel(m, { max_text_len: 20 });
    const runners = makeRunners(m, 'ort');
    await Promise.all(Object.values(runners).map((x) => x.load()));
    const e2e = await readNpz(resolve(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    const r = await synthesizeText(new Pipeline(model, runners), { text: 'Hello world. Hello world. Good morning to you all.', conditioning: { ref: { samples: e2e.wav_ref!.data as Float32Array, sampleRate: 16000 } } });
    await Promise.all(Object.values(runners).map((x) => x.close()));
    const boards = r.parts.map((p) => p.intermediates);
    const groups = shapesOfParts(m, boards, (stage) => stage !== 'style_encoder');
    expect(groups.reduce((a, g) => a + g.count, 0)).toBe(r.parts.length);
    expect(groups[0]!.count).toBe(2); // "Hello world." twice: one shape set
    const first = groups[0]!.shapes;
    expect(first.map((x) => x.stage)).toEqual(['text_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder']);
    const n = r.parts[0]!.phonemes;
    const frames = r.parts[0]!.frames;
    expect(first[0]).toEqual({ stage: 'text_encoder', module: 'text_encoder', inputs: [{ name: 'phoneme_ids', dims: [1, n] }] });
    expect(first[2]!.inputs[0]).toEqual({ name: 'frame_hidden', dims: [1, frames, 64] });
    expect(first[3]!.inputs).toEqual([{ name: 'mel', dims: [1, 80, frames] }]);
    // the style encoder ran once, on the reference voice: its shape comes from that recording
    const style = shapesOfParts(m, [boards[0]!], (stage) => stage === 'style_encoder')[0]!.shapes;
    expect(style[0]!.inputs[0]!.dims).toEqual(e2e.ref_mel!.shape);
  });

  it('a request sums module calls × parts and host steps; the cached style encoder is shown but not summed', () => {
    const t = (module: string, meanMs: number | null, p99Ms: number | null, peakGpuMiB: number | null = null): ModuleTiming => ({ module, meanMs, p99Ms, source: 'trtexec', peakGpuMiB });
    const c = combineTimings(
      [
        { count: 1, modules: [t('style_encoder', 100, 200, 50)] },
        { count: 2, modules: [t('text_encoder', 1, 2), t('vocoder', 10, 20, 300)] },
        { count: 1, modules: [t('text_encoder', 3, 4), t('vocoder', 30, 40)] },
      ],
      [{ stage: 'frontend', mean: 0.5, p99: 1 }],
      ['style_encoder'],
    );
    expect(c.meanMs).toBe(0.5 + 2 * (1 + 10) + (3 + 30));
    expect(c.p99Ms).toBe(1 + 2 * (2 + 20) + (4 + 40));
    expect(c.peakGpuMiB).toBe(300);
    expect(c.stages.map((s) => [s.stage, s.meanMs])).toEqual([['frontend', 0.5], ['style_encoder', 100], ['text_encoder', 5], ['vocoder', 50]]);
    // a module without a number makes the total unknown, not smaller
    expect(combineTimings([{ count: 1, modules: [t('vocoder', null, 1)] }], []).meanMs).toBeNull();
    expect(c.p99EstimateMs).toBeNull(); // no per-call samples: only the sum
  });

  it('reads per-call latencies from a trtexec --exportTimes trace, and refuses anything else', async () => {
    const xs = traceLatencies(await readFile(TIMES, 'utf8'))!;
    expect(xs).toHaveLength(100);
    expect(xs[0]).toBe(6.5);
    expect(Math.max(...xs)).toBe(14);
    expect(traceLatencies('not json')).toBeNull();
    expect(traceLatencies('[]')).toBeNull();
    expect(traceLatencies('[{"computeMs": 1}]')).toBeNull();
    expect(traceLatencies('[{"latencyMs": -1}]')).toBeNull();
  });

  it('the request P99 from per-call samples: exact for constant calls, the known tail of a sum; added P99s are no bound', () => {
    expect(requestP99([[2, 2, 2], [5]])).toBe(7);
    const uniform = Array.from({ length: 100 }, (_, i) => i); // 0..99 ms, P99 99
    // two independent uniform calls: (198 - s)(199 - s)/2 of the 100² pairs sum above s, so the exact
    // P99 is 185 (91 pairs above it, 105 above 184); 20 000 draws land within a step of it
    expect(requestP99([uniform, uniform])).toBeGreaterThanOrEqual(184);
    expect(requestP99([uniform, uniform])).toBeLessThanOrEqual(186);
    expect(requestP99([uniform, uniform])).toBeLessThan(99 + 99);
    // …but adding P99s is no bound: 8 calls, each slow (100 ms) 0.5 % of the time, so each call's P99
    // is 1 ms (sum 8 ms) while 1 - 0.995⁸ = 3.9 % of requests have a slow call: their P99 is ~107 ms
    const spiky = [...Array<number>(995).fill(1), ...Array<number>(5).fill(100)];
    expect(requestP99(Array(8).fill(spiky))).toBe(107);
    // combineTimings uses every counted call (× its part count) and the host steps, never the excluded style encoder
    const s = (module: string, samples: number[] | null): ModuleTiming => ({ module, meanMs: 1, p99Ms: 1, source: 'trtexec', samples });
    const c = combineTimings(
      [{ count: 1, modules: [s('style_encoder', null)] }, { count: 3, modules: [s('vocoder', [10])] }],
      [{ stage: 'frontend', mean: 1, p99: 1, samples: [1] }],
      ['style_encoder'],
    );
    expect(c.p99EstimateMs).toBe(31);
  });
});

describe('bench --backend trtexec (STAND-IN trtexec replaying a real trtexec 10 performance log)', () => {
  it('runs each module per sentence part at its shapes, and adds the host steps measured here', async () => {
    const r = await cliInProcess(['bench', '--profile', 'a10g-fp16', '--backend', 'trtexec', '--text-seconds', '15', '--streams', '1,4', '--baseline', 'none', '--set', `output=${await standinEngines()}`, '--json'], { cwd: ROOT, env: { ...STANDIN, FAKE_TRTEXEC_TIMES: TIMES } });
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.tensorrt).toBe('10.3.0');
    expect(j.trtexec).toBe(STANDIN.TRTEXEC);
    expect(j.maxTextLen).toBe(128);
    expect(j.parts.length).toBeGreaterThan(1); // 15 s of text is over max_text_len 128: split, as the server does
    for (const n of j.parts) expect(n).toBeLessThanOrEqual(128);
    expect(j.warnings[0]).toMatch(/serving\.max_text_len: the text is \d+ phonemes, over the limit of 128/);
    expect(j.host.map((h: { stage: string }) => h.stage)).toEqual(['frontend', 'length regulation']);
    expect(j.sweep.map((s: { streams: number }) => s.streams)).toEqual([1, 4]);
    const distinct = new Set(j.parts).size;
    // the style encoder runs once per new voice: timed once, at one stream
    expect(j.cachedStages).toHaveLength(1);
    expect(j.cachedStages[0]).toMatchObject({ module: 'style_encoder', meanMs: LOG_MEAN, p99Ms: LOG_P99, source: 'trtexec' });
    expect(j.cachedStages[0].log).toMatch(/style_encoder\.s1\.cached\.perf\.log$/);
    const logs = new Set([j.cachedStages[0].log]);
    for (const s of j.sweep) {
      // one run per text module per distinct part length at each streams level, each logged apart
      expect(s.runs.filter((x: { module: string }) => x.module === 'style_encoder')).toHaveLength(0);
      for (const m of TEXT_MODULES) expect(s.runs.filter((x: { module: string }) => x.module === m)).toHaveLength(distinct);
      for (const x of s.runs) logs.add(x.log);
      const host = (k: 'mean' | 'p99') => j.host.reduce((a: number, h: Record<string, number>) => a + h[k]!, 0);
      const calls = TEXT_MODULES.length * j.parts.length; // the style encoder is cached per voice
      expect(s.meanMs).toBeCloseTo(calls * LOG_MEAN + host('mean'), 6);
      expect(s.p99Ms).toBeCloseTo(calls * LOG_P99 + host('p99'), 6);
      // from the traces: every engine call drawn from the 100 traced calls (mean 7.68 ms)
      for (const x of s.runs) expect(x.samples).toBe(100);
      expect(s.p99EstimateMs).toBeGreaterThan(calls * 7.5);
      expect(s.p99EstimateMs).toBeLessThan(calls * 14 + host('p99'));
      expect(s.p99EstimateMs).toBeLessThan(s.p99Ms);
      expect(s.meetsSlo).toBe(s.p99EstimateMs <= 130);
    }
    expect(logs.size).toBe(1 + j.sweep.reduce((a: number, s: { runs: unknown[] }) => a + s.runs.length, 0)); // no log overwritten
    expect(j.maxStreamsWithinSlo).toBe(Math.max(0, ...j.sweep.filter((s: { meetsSlo: boolean }) => s.meetsSlo).map((s: { streams: number }) => s.streams)));
    expect(j.stages.map((s: { stage: string }) => s.stage)).toEqual(['frontend', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder']);
    expect(j.stages.find((s: { stage: string }) => s.stage === 'style_encoder').note).toContain(`first time: ${LOG_MEAN.toFixed(1)} ms once`);
    // the CI gate compares the sampled P99 per streams level; without samples, the sum of P99s
    expect(diffBench(j, j).filter((f) => f.regression)).toEqual([]);
    const worse = structuredClone(j);
    worse.sweep[1].p99EstimateMs *= 1.3;
    expect(diffBench(j, worse).filter((f) => f.regression).map((f) => `${f.where}: ${f.metric}`)).toEqual(['4 streams: latency p99 ms']);
    for (const s of worse.sweep) s.p99EstimateMs = null;
    worse.sweep[0].p99Ms *= 1.3;
    expect(diffBench(j, worse).filter((f) => f.regression).map((f) => `${f.where}: ${f.metric}`)).toEqual(['1 streams: latency p99 ms (sum of calls)']);
  });

  it('--fail-engine vocoder: the vocoder is timed on ONNX Runtime on this host instead, and the table says so', async () => {
    const args = ['bench', '--profile', 'a10g-fp16', '--backend', 'trtexec', '--text-seconds', '4', '--streams', '1,2', '--requests', '2', '--baseline', 'none', '--fail-engine', 'vocoder', '--set', `output=${await standinEngines(MODULES.filter((m) => m !== 'vocoder'))}`];
    const r = await cliInProcess([...args, '--json'], { cwd: ROOT, env: STANDIN });
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.parts).toHaveLength(1);
    expect(j.fallback.onFallback).toEqual([{ module: 'vocoder', why: 'load', reason: 'vocoder disabled by --fail-engine' }]);
    for (const s of j.sweep) {
      const voc = s.runs.filter((x: { module: string }) => x.module === 'vocoder');
      expect(voc.map((x: { source: string }) => x.source)).toEqual(['ort-cpu fallback']);
      expect(voc[0].meanMs).toBeGreaterThan(0);
      expect(s.runs.filter((x: { source: string }) => x.source === 'trtexec').map((x: { module: string }) => x.module)).toEqual(['text_encoder', 'acoustic_encoder', 'acoustic_decoder']);
      const host = j.host.reduce((a: number, h: { mean: number }) => a + h.mean, 0);
      expect(s.meanMs).toBeCloseTo(3 * LOG_MEAN + voc[0].meanMs + host, 6);
      expect(voc[0].samples).toBe(Math.ceil(2 / s.streams) * s.streams); // ONNX Runtime calls timed here (--requests per level)
      expect(s.p99EstimateMs).toBeNull(); // the engines wrote no trace: judged on the sum of P99s
      expect(s.meetsSlo).toBe(s.p99Ms <= 130);
    }
    const text = await cliInProcess(args, { cwd: ROOT, env: STANDIN });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/TensorRT \+ CPU fallback/);
    expect(text.stdout).toMatch(/^FALLBACK: vocoder ran on ONNX Runtime on this host's CPU at the same shapes and streams/m);
  });

  it('engines not built: one error line naming them and the fix, exit 3, before any measurement', async () => {
    const out = await standinEngines(['style_encoder', 'text_encoder']);
    const r = await cliInProcess(['bench', '--profile', 'a10g-fp16', '--backend', 'trtexec', '--baseline', 'none', '--set', `output=${out}`], { cwd: ROOT, env: STANDIN });
    expect(r.exitCode).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: engines not built yet: \S*acoustic_encoder\.engine, \S*acoustic_decoder\.engine, \S*vocoder\.engine \(fix: run `emovoice build --profile a10g-fp16` first, or measure without them: --fail-engine acoustic_encoder,acoustic_decoder,vocoder\)$/);
  });

  it('a trtexec performance run that fails: one error line with trtexec’s own error and the log, exit 3', async () => {
    const r = await cliInProcess(['bench', '--profile', 'a10g-fp16', '--backend', 'trtexec', '--baseline', 'none', '--set', `output=${await standinEngines()}`], {
      cwd: ROOT, env: { ...STANDIN, FAKE_TRTEXEC_MODE: 'fail' },
    });
    expect(r.exitCode).toBe(3);
    expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('warning: '))).toHaveLength(1); // the text-split warning aside
    expect(r.stderr).toMatch(/^error: \S*style_encoder\.s1\.cached\.perf\.log:? trtexec could not time the style_encoder engine \(\S*style_encoder\.engine\): trtexec exited with 1: Error\[4\]: fake failure for tests \(fix: read the log's \[E\] lines/m);
  });

  it.skipIf(hasTrtexec)('without trtexec: one error line, exit 3', async () => {
    const r = await cliInProcess(['bench', '--profile', 'a10g-fp16', '--backend', 'trtexec'], { cwd: ROOT, env: { TRTEXEC: '' } });
    expect(r.exitCode).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: the trt benchmark runs engines with trtexec, which was not found \(fix: /);
  });
});
