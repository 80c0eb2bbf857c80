// `npm run bench:report-html` (a benchmark, not a test): how big an HTML report with 100 audio cases is
// and how fast headless Chromium opens it. The cases are real recordings (calibration/speech.yaml,
// resampled to the Piper voice's 22.05 kHz), each compared, as verify compares an end-to-end case, with
// the same recording after an 8-bit PCM round trip (a stand-in for an engine's output, said so on the
// page): the metrics table, three spectrograms and two players per case. The same 100 cases are rendered
// three times side by side: with the default media budget (16 MB), with no budget, and with no media
// at all (the floor: what this machine, under its present load, takes to open a page of the same
// tables). Prints a table with the machine and its load; writes bench/results/report-html.md.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { loadSpeech } from '../src/calibrate/speech.ts';
import { mcdMelConfig } from '../src/calibrate/run.ts';
import { compareOutputs } from '../src/compare/compare.ts';
import { MediaCollector } from '../src/report/html/collect.ts';
import { renderReports } from '../src/report/html/index.ts';
import { checkReport, launch } from '../test/support/browser.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CASES = 100;
const SR = 22050;
const OPENS = 3;

const clips: { id: string; samples: Float32Array }[] = [];
for await (const c of loadSpeech({ source: resolve(ROOT, 'calibration/speech.yaml'), split: 'all', sampleRate: SR, languages: ['en'] })) {
  if (c.samples.length < SR || c.samples.length > 4 * SR) continue; // 1–4 s, the length of a verify case
  clips.push({ id: c.id, samples: c.samples });
  if (clips.length === CASES) break;
}
if (clips.length < CASES) throw new Error(`only ${clips.length} recordings of 1–4 s: run calibration/fetch-speech.sh`);

const eightBit = (x: Float32Array) => x.map((v) => Math.round(Math.max(-1, Math.min(1, v)) * 127) / 127);
const media = new MediaCollector(SR, mcdMelConfig({ sample_rate: SR } as never));
const cases = clips.map((c) => {
  const engine = eightBit(c.samples);
  const t = { dtype: 'float32' as const, shape: [1, c.samples.length] };
  const outputs = compareOutputs({ waveform: { ...t, data: engine } }, { waveform: { ...t, data: c.samples } }, { tolerances: { snr_db_min: 25 }, kinds: { waveform: 'waveform' } });
  media.e2eCase(c.id, engine, c.samples, '8-bit round trip (stand-in for an engine)');
  return { module: 'e2e', case: c.id, pass: outputs.every((o) => o.pass), ms: 0, outputs };
});
const doc = { profile: 'bench: 100 real recordings', backend: 'ort', precision: 'fp32', pass: cases.every((c) => c.pass), cases };
const seconds = clips.reduce((a, c) => a + c.samples.length / SR, 0);

await mkdir(resolve(ROOT, 'bench/out'), { recursive: true });
const variants = [
  { name: 'default media budget (16 MB)', file: 'bench/out/report-html-100.html', opts: {} },
  { name: 'no media budget', file: 'bench/out/report-html-100-unbounded.html', opts: { mediaBytes: Infinity } },
  // the same tables and chart with no audio or spectrograms: what the machine takes to open any page now
  { name: 'no media (the floor, same run)', file: 'bench/out/report-html-100-nomedia.html', opts: { mediaBytes: 0 } },
];
const browser = await launch();
const rows: string[] = [];
try {
  for (const v of variants) {
    const t0 = performance.now();
    const html = renderReports([{ kind: 'verify', doc, source: 'bench/report-html.ts', media }], v.opts);
    const renderMs = performance.now() - t0;
    const file = resolve(ROOT, v.file);
    await writeFile(file, html);
    const bytes = (await stat(file)).size;
    const loads: number[] = [];
    let check;
    for (let i = 0; i < OPENS; i++) {
      check = await checkReport(browser, file, i === 0 ? file.replace(/\.html$/, '.png') : undefined);
      loads.push(check.loadMs);
    }
    const ok = check!.consoleErrors.length === 0 && check!.charts.every((c) => c.drawn) && check!.audio.every((a) => a.duration > 0);
    const median = [...loads].sort((a, b) => a - b)[Math.floor(OPENS / 2)]!;
    rows.push(`| ${v.name} | ${CASES} | ${check!.audio.length} | ${check!.images.length} | ${(bytes / 1048576).toFixed(1)} | ${bytes < 20 * 1048576 ? 'yes' : 'no'} | ${renderMs.toFixed(0)} | ${median.toFixed(0)} (${loads.map((x) => x.toFixed(0)).join(', ')}) | ${median < 2000 ? 'yes' : 'no'} | ${ok ? 'yes' : 'NO'} |`);
  }
} finally {
  await browser.close();
}
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Debian chromium; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
const table = [
  `HTML verify report of ${CASES} audio cases (${seconds.toFixed(0)} s of real recordings at ${SR} Hz), ${new Date().toISOString()}`,
  `machine: ${machine}`,
  '',
  '| page | cases | <audio> | images | MB | < 20 MB | render ms (Node) | load ms in headless Chromium, median (each of ' + OPENS + ') | < 2 s | no console error, charts drawn, audio duration > 0 |',
  '|---|---:|---:|---:|---:|---|---:|---|---|---|',
  ...rows,
  '',
  'load ms: navigation start to the end of the load event (every image decoded, every script run, every chart drawn), a fresh page each time.',
].join('\n');
process.stdout.write(table + '\n');
await mkdir(resolve(ROOT, 'bench/results'), { recursive: true });
await writeFile(resolve(ROOT, 'bench/results/report-html.md'), `# HTML report size and opening time (\`npm run bench:report-html\`)\n\n${table}\n`);
