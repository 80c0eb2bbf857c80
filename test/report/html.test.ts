// The HTML renderer as pure code: which saved reports it recognises, the histogram and profile shapes it
// draws from, spectrogram PNGs (decoded back), failures highlighted, data that cannot break out of the
// page, and the media budget that keeps a page with many cases small. The browser checks are in
// html-browser.test.ts.
import { decode } from 'fast-png';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { histogram } from '../../src/report/html/bench.ts';
import { profileShapes } from '../../src/report/html/build.ts';
import { renderReports, reportKind } from '../../src/report/html/index.ts';
import { melDifference, melOf, melPng, spectrogramTriple, wavDataUri } from '../../src/report/html/media.ts';
import { buildLayerFiles, writeHtmlReport } from '../../src/report/html/write.ts';
import { UserError } from '../../src/core/errors.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const bench = JSON.parse(await readFile(join(ROOT, 'test/fixtures/report/bench-cpu.json'), 'utf8'));

/** A real recording's worth of signal: a chirp with harmonics, 0.5 s at 22.05 kHz. */
function chirp(seconds = 0.5, sr = 22050, gain = 0.3): Float32Array {
  const x = new Float32Array(Math.round(seconds * sr));
  for (let i = 0; i < x.length; i++) {
    const t = i / sr;
    const f = 200 + 1800 * t;
    x[i] = gain * (Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(4 * Math.PI * f * t));
  }
  return x;
}
const MEL = { sample_rate: 22050, n_fft: 1024, hop: 256, win_length: 1024, n_mels: 80, fmin: 0, fmax: 8000, log_base: 'e' as const, clamp_min: 1e-5 };

function verifyDoc(n: number, failing: number[] = []) {
  const cases = Array.from({ length: n }, (_, i) => ({
    module: 'e2e',
    case: `case${i}`,
    pass: !failing.includes(i),
    ms: 12.5,
    outputs: [
      {
        name: 'waveform',
        kind: 'waveform',
        pass: !failing.includes(i),
        failed: failing.includes(i) ? ['snr_db_min'] : [],
        metrics: { max_abs: 0.01, mean_abs: 0.001, rel_l2: 0.02, cosine: 0.9998, snr_db: failing.includes(i) ? 9.5 : 41.2, lsd_db: 0.5 },
        tolerances: { snr_db_min: 10 },
      },
    ],
  }));
  return { profile: 'cpu', backend: 'ort', precision: 'fp32', pass: failing.length === 0, cases };
}

describe('saved reports', () => {
  it('recognises each kind it renders, and nothing else', () => {
    expect(reportKind(bench)).toBe('bench');
    expect(reportKind(verifyDoc(1))).toBe('verify');
    expect(reportKind({ format: 'emovoice-build-manifest/1', modules: {} })).toBe('build');
    expect(reportKind({ module: 'vocoder', quality: {}, sensitivity: [], calibration: {} })).toBe('calibrate');
    expect(reportKind({ kind: 'bench', regressions: 0, findings: [] })).toBe('diff');
    expect(reportKind({ hello: 1 })).toBeNull();
  });
});

describe('chart data', () => {
  it('a histogram holds every sample once, over equal bins from min to max', () => {
    const xs = bench.sweep[2].latenciesMs as number[];
    const h = histogram(xs);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(xs.length);
    expect(h.edges[0]).toBe(Math.min(...xs));
    expect(h.edges.at(-1)).toBeCloseTo(Math.max(...xs), 9);
    const widths = h.edges.slice(1).map((e, i) => e - h.edges[i]!);
    for (const w of widths) expect(w).toBeCloseTo(widths[0]!, 9);
    expect(histogram([5, 5, 5])).toEqual({ edges: [5, 6], counts: [3] });
    expect(histogram([])).toEqual({ edges: [], counts: [] });
  });

  it("reads a trtexec command's optimization profile per input", () => {
    expect(profileShapes(['--onnx=x.onnx', '--minShapes=mel:1x80x16,speaker:1x256', '--optShapes=mel:1x80x400,speaker:1x256', '--maxShapes=mel:4x80x1024,speaker:4x256'])).toEqual({
      mel: { min: '1x80x16', opt: '1x80x400', max: '4x80x1024' },
      speaker: { min: '1x256', opt: '1x256', max: '4x256' },
    });
    expect(profileShapes(['--onnx=x.onnx'])).toEqual({});
  });
});

describe('spectrograms and audio', () => {
  it('a log-mel PNG has one pixel per frame and band; the difference of a signal with itself is blank', () => {
    const a = chirp();
    const m = melOf(a, MEL);
    const png = decode(Buffer.from(melPng(m).split(',')[1]!, 'base64'));
    expect([png.width, png.height, png.channels]).toEqual([m.frames, 80, 3]);
    expect(melDifference(m, m).maxAbs).toBe(0);
    // a copy at half the level differs by log 2 where the signal is above the floor, and never by more
    const quiet = melOf(a.map((v) => v * 0.5), MEL);
    expect(melDifference(m, quiet).maxAbs).toBeCloseTo(Math.log(2), 3);
    const t = spectrogramTriple(m, quiet);
    expect(t.maxAbsDiff).toBeCloseTo(Math.log(2), 3);
    for (const uri of [t.reference, t.engine, t.difference]) expect(decode(Buffer.from(uri.split(',')[1]!, 'base64')).width).toBe(m.frames);
  });

  it('audio is a 16-bit WAV data URI of the samples', () => {
    const uri = wavDataUri({ samples: chirp(0.1), sampleRate: 22050 });
    expect(uri.startsWith('data:audio/wav;base64,')).toBe(true);
    const bytes = Buffer.from(uri.split(',')[1]!, 'base64');
    expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
    expect(bytes.length).toBe(44 + 2205 * 2);
  });
});


describe('pages', () => {
  it('highlights failing rows and the metric that failed', () => {
    const html = renderReports([{ kind: 'verify', doc: verifyDoc(3, [1]), source: 'test' }]);
    expect(html.match(/<tr class="fail">/g)).toHaveLength(1);
    expect(html).toMatch(/<tr class="fail"><td class="l">case1<\/td>.*?<span class="fail">9\.500<\/span>/);
    expect(html).toContain('2/3 cases passed');
  });

  it('a case judged with PyTorch\'s durations pinned says so beside its result', () => {
    const doc = verifyDoc(2);
    Object.assign(doc.cases[1]!, { note: "durations: 1 of 27 moved, by at most 1: judged with PyTorch's durations, frame_times pinned" });
    const html = renderReports([{ kind: 'verify', doc, source: 'x' }]);
    expect(html).toMatch(/case1<\/td>.*?<span class="ok">pass<\/span> <span class="note">\(durations: 1 of 27 moved, by at most 1: judged with PyTorch&#39;s durations, frame_times pinned\)<\/span>/);
    expect(html.match(/<span class="note">\(durations/g)).toHaveLength(1);
  });

  it('data cannot end the page\'s script or inject markup', () => {
    const doc = verifyDoc(1);
    doc.cases[0]!.case = '</script><script>alert(1)</script>';
    const html = renderReports([{ kind: 'verify', doc, source: 'x' }]);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
  });

  it('a media budget leaves out what does not fit, failing cases first, and says how many', () => {
    const n = 10;
    const media = {
      cases: Array.from({ length: n }, (_, i) => ({ key: `e2e/case${i}`, title: `case${i}`, mel: MEL, clips: [{ label: 'ref', samples: chirp(), sampleRate: 22050 }, { label: 'engine', samples: chirp(0.5, 22050, 0.25), sampleRate: 22050 }] })),
      sentences: {},
    };
    const all = renderReports([{ kind: 'verify', doc: verifyDoc(n, [7]), source: 'x', media }]);
    expect(all.match(/<audio /g)).toHaveLength(2 * n);
    const small = renderReports([{ kind: 'verify', doc: verifyDoc(n, [7]), source: 'x', media }], { mediaBytes: 200_000 });
    const players = small.match(/<audio /g)?.length ?? 0;
    expect(players).toBeGreaterThan(0);
    expect(players).toBeLessThan(2 * n);
    expect(small).toMatch(/\d+ audio clip\(s\) or spectrogram set\(s\) left out/);
    // the failing case was served first
    expect(small.indexOf('data-case="e2e/case7"')).toBeGreaterThan(0);
    expect(small.slice(small.indexOf('data-case="e2e/case7"')).indexOf('<audio')).toBeLessThan(small.slice(small.indexOf('data-case="e2e/case7"')).indexOf('left out'));
  });
});

describe('files', () => {
  it('finds trtexec exports beside an engine, and reads given ones; writes the page whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-html-'));
    try {
      await copyFile(join(ROOT, 'test/fixtures/trex/mobilenet.qat.onnx.engine.graph.json'), join(dir, 'vocoder.layers.json'));
      const manifest = { modules: { vocoder: { engine: { path: join(dir, 'vocoder.engine') } }, flow: { engine: { path: join(dir, 'flow.engine') } } } };
      const found = await buildLayerFiles(manifest, { info: {}, profile: {} });
      expect(Object.keys(found)).toEqual(['vocoder']);
      expect(found.vocoder!.infoFile).toBe(join(dir, 'vocoder.layers.json'));
      expect(found.vocoder!.profile).toBeUndefined();
      const given = await buildLayerFiles(manifest, { info: {}, profile: { flow: join(ROOT, 'test/fixtures/trex/mobilenet.qat.onnx.engine.profile.json') } });
      expect(Object.keys(given).sort()).toEqual(['flow', 'vocoder']);
      await writeFile(join(dir, 'bad.json'), '{');
      await expect(buildLayerFiles(manifest, { info: { flow: join(dir, 'bad.json') }, profile: {} })).rejects.toThrow(UserError);
      await writeHtmlReport(join(dir, 'r.html'), [{ kind: 'bench', doc: bench, source: 'fixture' }]);
      expect((await readFile(join(dir, 'r.html'), 'utf8')).startsWith('<!doctype html>')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('emovoice report: what a user can get wrong is one error line', () => {
  it('a JSON file it does not render, and a malformed --layer-info, exit 2 naming the file or flag', async () => {
    const { cliInProcess } = await import('../support/cli-inprocess.ts');
    const dir = await mkdtemp(join(tmpdir(), 'ev-html-'));
    try {
      await writeFile(join(dir, 'other.json'), JSON.stringify({ hello: 1 }));
      // the CLI's main() in this process: the same code as `node bin/emovoice.js report …`
      const cli = (args: string[]) => cliInProcess(['report', ...args], { cwd: ROOT });
      let r = await cli([join(dir, 'other.json'), '--html', join(dir, 'r.html')]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: .*other\.json.*not a report emovoice renders.*build-manifest\.json/);
      r = await cli(['test/fixtures/report/bench-cpu.json', '--layer-info', 'vocoder', '--html', join(dir, 'r.html')]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^error: --layer-info vocoder: expected <module>=<file>/);
      await expect(readFile(join(dir, 'r.html'))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
