// The HTML reports opened in a real browser (Debian's chromium, driven by playwright-core; one launch
// for the file): verify of the bundled tiny model and of the real Piper voice, calibrate of the real
// Piper vocoder (INT8 against FP32), bench on the CPU profile, build with TREx's real trtexec layer-info
// and profile JSON, and diff. Each page: no console errors, every chart drew something, every <audio>
// has a source the browser reads a duration > 0 from, every spectrogram decodes. A screenshot of each
// stays under out/report-html/ (gitignored) as the test's artifact.
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSetup as requireStep } from '../setup-needed.ts';
import { checkReport, findChromium, launch, type PageCheck } from '../support/browser.ts';
import { piperMissing, PIPER_SETUP_STEP } from '../support/piper-voice.ts';
import { requireSetup } from '../support/setup.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'out/report-html');
const FAKE = join(ROOT, 'test/fixtures/bin/fake-trtexec');
const TREX = join(ROOT, 'test/fixtures/trex');
const cli = (args: string[], env: Record<string, string> = {}) => execa('node', [join(ROOT, 'bin/emovoice.js'), ...args], { cwd: ROOT, reject: false, env });

const haveChromium = requireSetup('Chromium for the HTML report tests', 'bash scripts/setup.sh', findChromium() !== null);

let browser: Browser;
let tmp: string;
beforeAll(async () => {
  if (!haveChromium) return;
  await mkdir(OUT, { recursive: true });
  tmp = await mkdtemp(join(tmpdir(), 'emovoice-report-'));
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** What every report must show a person: no errors, drawn charts, playable audio, decoded images. */
function expectReadable(c: PageCheck, want: { charts?: number; audio?: number; images?: number }): void {
  expect(c.consoleErrors).toEqual([]);
  expect(c.charts.length).toBeGreaterThanOrEqual(want.charts ?? 0);
  expect(c.charts.filter((x) => !x.drawn)).toEqual([]);
  expect(c.audio.length).toBeGreaterThanOrEqual(want.audio ?? 0);
  for (const a of c.audio) {
    expect(a.src).toBe(true);
    expect(a.duration).toBeGreaterThan(0);
  }
  expect(c.images.length).toBeGreaterThanOrEqual(want.images ?? 0);
  expect(c.images.filter((i) => !i.ok)).toEqual([]);
}

describe.skipIf(!haveChromium)('HTML reports in headless Chromium', () => {
  it('verify, the bundled tiny model: metrics per module, spectrograms and players of every audio case', async () => {
    const html = join(OUT, 'verify-tiny.html');
    const r = await cli(['verify', '--profile', 'cpu', '--html', html]);
    expect(r.exitCode, r.stderr).toBe(0);
    const page = await readFile(html, 'utf8');
    for (const m of ['style_encoder', 'text_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder', 'e2e']) expect(page.includes(`<h3>${m}</h3>`), `<h3>${m}</h3>`).toBe(true);
    expect(/<(script|link|img|audio)[^>]+(src|href)="https?:/.test(page)).toBe(false); // nothing fetched at view time
    const c = await checkReport(browser, html, join(OUT, 'verify-tiny.png'));
    // the vocoder's cases and the end-to-end cases are audio (reference + engine each); the decoder's are mels
    expectReadable(c, { charts: 1, audio: 8, images: 3 * 6 });
  }, 120_000);

  it('verify, the real Piper voice: end-to-end audio and the recogniser\'s transcript per sentence', async (ctx) => {
    requireStep(ctx, piperMissing, PIPER_SETUP_STEP);
    const html = join(OUT, 'verify-piper.html');
    const r = await cli(['verify', '--profile', 'piper-joe-cpu', '--wer-sentences', '1', '--html', html]);
    expect(r.exitCode, r.stderr).toBe(0);
    const page = await readFile(html, 'utf8');
    expect(page.includes('What the recogniser heard'), 'What the recogniser heard').toBe(true);
    expect(/FP32 ONNX \(ONNX Runtime CPU\): heard/.test(page), String(/FP32 ONNX \(ONNX Runtime CPU\): heard/)).toBe(true);
    const c = await checkReport(browser, html, join(OUT, 'verify-piper.png'));
    // e2e and vocoder cases (reference + engine) and one clip per WER sentence
    expectReadable(c, { charts: 1, audio: 2 + 2 + 1, images: 3 });
  }, 240_000);

  it('calibrate, the real Piper vocoder: INT8 against FP32, the sensitivity ranking as a chart, both graphs heard', async (ctx) => {
    requireStep(ctx, piperMissing, PIPER_SETUP_STEP);
    const html = join(OUT, 'calibrate-piper.html');
    const r = await cli(['calibrate', 'vocoder', '--profile', 'piper-joe-cpu', '--samples', '2', '--heldout', '1', '--sensitivity', '2', '--wer-sentences', '1', '--out', join(tmp, 'cal'), '--html', html]);
    expect([0, 1], r.stderr).toContain(r.exitCode); // 1: the WER gate failed, which the page must then show
    const page = await readFile(html, 'utf8');
    const q = JSON.parse(await readFile(join(tmp, 'cal/vocoder.quality.json'), 'utf8'));
    expect(page.includes('Layer sensitivity'), 'Layer sensitivity').toBe(true);
    for (const s of q.sensitivity) expect(page.includes(s.layer), s.layer).toBe(true);
    // piper-joe-cpu runs on ONNX Runtime: the page plays the integer form the CPU runs
    expect(page.includes('INT8 vocoder (integer form)'), 'INT8 vocoder (integer form)').toBe(true);
    expect(page.includes('FP32 vocoder'), 'FP32 vocoder').toBe(true);
    expect(page.includes(q.wer.status === 'fail' ? 'WER FAIL' : 'WER PASS'), q.wer.status === 'fail' ? 'WER FAIL' : 'WER PASS').toBe(true);
    const c = await checkReport(browser, html, join(OUT, 'calibrate-piper.png'));
    // the held-out input: FP32, INT8, the recording; the WER sentence: both graphs
    expectReadable(c, { charts: 1, audio: 3 + 2, images: 3 });
  }, 300_000);

  it('bench, the CPU profile: a histogram per streams level, P50/P99 against streams, per stage; a saved report next to its PyTorch baseline', async () => {
    const html = join(OUT, 'bench-cpu.html');
    const r = await cli(['bench', '--profile', 'cpu', '--text-seconds', '2', '--streams', '1,2', '--requests', '4', '--warmup', '1', '--baseline', 'none', '--html', html]);
    expect(r.exitCode, r.stderr).toBe(0);
    expectReadable(await checkReport(browser, html, join(OUT, 'bench-cpu.png')), { charts: 2 + 1 + 1 });
    // a saved real report with the PyTorch eager baseline, through `emovoice report`
    const saved = join(OUT, 'bench-cpu-baseline.html');
    const s = await cli(['report', 'test/fixtures/report/bench-cpu.json', '--html', saved]);
    expect(s.exitCode, s.stderr).toBe(0);
    const page = await readFile(saved, 'utf8');
    expect(page.includes('PyTorch eager (cpu)'), 'PyTorch eager (cpu)').toBe(true);
    expect(page.includes('P99 objective 130 ms'), 'P99 objective 130 ms').toBe(true);
    expectReadable(await checkReport(browser, saved, join(OUT, 'bench-cpu-baseline.png')), { charts: 3 + 1 + 1 });
  }, 240_000);

  it('build: engine size, build time, profile shapes; TREx\'s real trtexec layer info and profile as top layers and precisions', async () => {
    // orchestration only: the STAND-IN trtexec writes a placeholder "engine" and replays a real trtexec log
    const out = join(tmp, 'build');
    const b = await cli(['build', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--set', 'tensorrt.legacy_precision_flags=true', '--measure', '1', '--json'], {
      TRTEXEC: FAKE,
      CI: 'true',
      FAKE_TRTEXEC_LOG: join(ROOT, 'test/fixtures/trtexec/trt10-perf-summary-4177.log'),
    });
    expect(b.exitCode, b.stderr).toBe(0);
    const html = join(OUT, 'build-trex.html');
    const engine = 'trex-mobilenet-qat';
    const r = await cli(['report', join(out, 'build-manifest.json'), '--layer-info', `${engine}=${join(TREX, 'mobilenet.qat.onnx.engine.graph.json')}`, '--layer-profile', `${engine}=${join(TREX, 'mobilenet.qat.onnx.engine.profile.json')}`, '--html', html]);
    expect(r.exitCode, r.stderr).toBe(0);
    const page = await readFile(html, 'utf8');
    expect(/<td class="l">mel<\/td><td>1x80x\d+<\/td><td>1x80x\d+<\/td><td>\d+x80x\d+<\/td>/.test(page), String(/<td class="l">mel<\/td><td>1x80x\d+<\/td><td>1x80x\d+<\/td><td>\d+x80x\d+<\/td>/)).toBe(true);
    expect(page.includes('profiled over 4216 inferences'), 'profiled over 4216 inferences').toBe(true);
    // the slowest layer of the real profile comes first in the layer table, with its precision
    expect(/<td class="l">features\.16\.conv\.2\.weight \+ QuantizeLinear_771 \+ Conv_775 \+ Add_777<\/td><td class="l">CaskConvolution<\/td><td class="l">FP32<\/td><td>0\.0174<\/td>/.test(page), String(/<td class="l">features\.16\.conv\.2\.weight \+ QuantizeLinear_771 \+ Conv_775 \+ Add_777<\/td><td class="l">CaskConvolution<\/td><td class="l">FP32<\/td><td>0\.0174<\/td>/)).toBe(true);
    const c = await checkReport(browser, html, join(OUT, 'build-trex.png'));
    // engine size/time, top layers by time, time by precision
    expectReadable(c, { charts: 3 });
  }, 180_000);

  it('diff: before and after side by side, regressions marked', async () => {
    const old = JSON.parse(await readFile(join(ROOT, 'test/fixtures/report/bench-cpu.json'), 'utf8'));
    const worse = structuredClone(old);
    worse.sweep[1].latency.p99 *= 1.5;
    await writeFile(join(tmp, 'old.json'), JSON.stringify(old));
    await writeFile(join(tmp, 'new.json'), JSON.stringify(worse));
    const html = join(OUT, 'diff-bench.html');
    const r = await cli(['diff', join(tmp, 'old.json'), join(tmp, 'new.json'), '--html', html]);
    expect(r.exitCode).toBe(1);
    const page = await readFile(html, 'utf8');
    expect(/<tr class="fail"><td class="l">2 streams<\/td><td class="l">latency p99 ms<\/td>.*?REGRESSION/.test(page), String(/<tr class="fail"><td class="l">2 streams<\/td><td class="l">latency p99 ms<\/td>.*?REGRESSION/)).toBe(true);
    expectReadable(await checkReport(browser, html, join(OUT, 'diff-bench.png')), { charts: 1 });
  }, 120_000);
});
