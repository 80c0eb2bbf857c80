// `emovoice diff` flags planted regressions in real documents produced by this toolchain. The reports are
// made by the CLI as a user runs it; `diff` itself runs as the CLI's main() in this process
// (test/support/cli-inprocess.ts), its output and exit code captured.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { diffBench, diffBuild, diffVerify } from '../../src/report/diff.ts';
import { parseTrtexecLog } from '../../src/trtexec/parse.ts';
import { readFileSync } from 'node:fs';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(__dirname, '../..');

function manifest(p99: number, bytes: number) {
  // the parsed summary of a real trtexec 10.x log, as the build manifest stores it
  const summary = parseTrtexecLog(readFileSync(join(ROOT, 'test/fixtures/trtexec/trt10-perf-summary-4177.log'), 'utf8'));
  return {
    format: 'emovoice-build-manifest/1',
    modules: { vocoder: { engine: { bytes }, summary: { ...summary, latencyMs: { ...summary.latencyMs, p99 } } } },
  };
}

/** One real `verify --json` report of the vocoder, shared by the tests of this file. */
let verifyReport: Promise<any> | null = null;
function realVerifyReport(): Promise<any> {
  verifyReport ??= execa('node', [join(ROOT, 'bin/emovoice.js'), 'verify', '--profile', 'cpu', '--module', 'vocoder', '--json'], { cwd: ROOT }).then((r) => JSON.parse(r.stdout));
  return verifyReport;
}

describe('diff', () => {
  it('flags a planted latency regression in build manifests and passes an unchanged one', () => {
    const a = manifest(10, 1000);
    expect(diffBuild(a, manifest(10.2, 1000)).filter((f) => f.regression)).toEqual([]);
    const bad = diffBuild(a, manifest(12, 1000)).filter((f) => f.regression);
    expect(bad.map((f) => f.metric)).toEqual(['latency p99 ms']);
    expect(bad[0]!.change).toBe('+20.0%');
  });

  it('flags a planted accuracy regression in real verify reports', async () => {
    const good = await realVerifyReport();
    expect(diffVerify(good, good).filter((f) => f.regression)).toEqual([]);
    const worse = structuredClone(good);
    const out = worse.cases[0].outputs[0];
    out.metrics.rel_l2 = 0.02;
    out.metrics.snr_db -= 40;
    out.pass = false;
    const bad = diffVerify(good, worse).filter((f) => f.regression);
    expect(bad.map((f) => f.metric).sort()).toEqual(['pass', 'rel_l2', 'snr_db']);

    const dir = await mkdtemp(join(tmpdir(), 'ev-diff-'));
    await writeFile(join(dir, 'old.json'), JSON.stringify(good));
    await writeFile(join(dir, 'new.json'), JSON.stringify(worse));
    const cli = await cliInProcess(['diff', join(dir, 'old.json'), join(dir, 'new.json')]);
    expect(cli.exitCode).toBe(1);
    expect(cli.stdout).toMatch(/3 regression\(s\)/);
  });
});

describe('diff of bench reports', () => {
  it('flags a planted latency and capacity regression in a real bench report, passes an unchanged one', async () => {
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'bench', '--profile', 'cpu', '--text-seconds', '2', '--streams', '1,2', '--requests', '2', '--baseline', 'none', '--json'], { cwd: ROOT });
    const good = JSON.parse(r.stdout);
    expect(diffBench(good, good).filter((f) => f.regression)).toEqual([]);
    const worse = structuredClone(good);
    worse.single.p99 *= 1.3;
    worse.sweep[1].latency.p99 *= 1.3;
    worse.maxStreamsWithinSlo = good.maxStreamsWithinSlo - 1;
    const bad = diffBench(good, worse).filter((f) => f.regression);
    expect(bad.map((f) => `${f.where}: ${f.metric}`)).toEqual(['end to end, 1 stream: latency p99 ms', '2 streams: latency p99 ms', `P99 ≤ ${good.sloP99Ms} ms: streams within SLO`]);
    const other = { ...good, textSeconds: 15 };
    expect(diffBench(good, other).filter((f) => f.regression).map((f) => f.change)).toEqual(['2 → 15: not comparable']);

    const dir = await mkdtemp(join(tmpdir(), 'ev-diff-bench-'));
    await writeFile(join(dir, 'old.json'), JSON.stringify(good));
    await writeFile(join(dir, 'new.json'), JSON.stringify(worse));
    const d = await cliInProcess(['diff', join(dir, 'old.json'), join(dir, 'new.json')], { cwd: ROOT });
    expect(d.exitCode).toBe(1);
    expect(d.stdout).toMatch(/REGRESSION\s+2 streams\s+latency p99 ms .*\+30\.0%/);
    expect(d.stdout).toMatch(/3 regression\(s\) in \d+ comparisons \(bench\)/);
  }, 60_000);
});

// Issue 25: the gate could be switched off — a threshold of "abc" or -1, or a new report that lost its
// cases, some cases, its outputs or carried string metrics, all gave "0 regressions" and exit 0.
describe('diff fails closed', () => {
  it('a lost case, outputs: null or an unreadable metric in the new verify report is a regression', async () => {
    const good = await realVerifyReport();
    expect(good.cases.length).toBeGreaterThan(1);
    const lostAll = { ...structuredClone(good), cases: [] };
    expect(diffVerify(good, lostAll).filter((f) => f.regression).length).toBe(good.cases.reduce((n: number, c: any) => n + c.outputs.length, 0));
    const lostOne = structuredClone(good);
    lostOne.cases.pop();
    expect(diffVerify(good, lostOne).filter((f) => f.regression).map((f) => f.change)).toEqual(['missing in the new report']);
    const nullOutputs = structuredClone(good);
    nullOutputs.cases[0].outputs = null;
    expect(diffVerify(good, nullOutputs).some((f) => f.regression)).toBe(true);
    const strings = structuredClone(good);
    strings.cases[0].outputs[0].metrics.rel_l2 = 'fine';
    const bad = diffVerify(good, strings).filter((f) => f.regression);
    expect(bad.map((f) => [f.metric, f.change])).toEqual([['rel_l2', 'unreadable in the new report ("fine")']]);
  });

  it('on the command line: a bad threshold is refused (exit 2); a report 1000× worse or emptied fails (exit 1)', async () => {
    const good = await realVerifyReport();
    const worse = structuredClone(good);
    for (const c of worse.cases) for (const o of c.outputs) for (const k of ['max_abs', 'mean_abs', 'rel_l2']) o.metrics[k] *= 1000;
    const dir = await mkdtemp(join(tmpdir(), 'ev-diff-'));
    await writeFile(join(dir, 'old.json'), JSON.stringify(good));
    await writeFile(join(dir, 'worse.json'), JSON.stringify(worse));
    await writeFile(join(dir, 'empty.json'), JSON.stringify({ ...good, cases: [] }));
    const diff = (...args: string[]) => cliInProcess(['diff', ...args]);
    for (const [flag, v] of [['--error', 'abc'], ['--latency', '-1']]) {
      const r = await diff(join(dir, 'old.json'), join(dir, 'worse.json'), flag!, v!);
      expect(r.exitCode, `${flag} ${v}`).toBe(2);
      expect(r.stderr).toBe(`error: ${flag}: "${v}" is not a number ≥ 0 (fix: e.g. ${flag} 0)`);
    }
    expect((await diff(join(dir, 'old.json'), join(dir, 'worse.json'))).exitCode).toBe(1);
    const emptied = await diff(join(dir, 'old.json'), join(dir, 'empty.json'));
    expect(emptied.exitCode).toBe(1);
    expect(emptied.stdout).toMatch(/missing in the new report/);
  });

  it('build and bench reports: a metric or streams level the old one had and the new one lacks is a regression', () => {
    const a = manifest(10, 1000);
    const b = structuredClone(a) as any;
    delete b.modules.vocoder.engine.bytes;
    b.modules.vocoder.summary.latencyMs.p99 = 'n/a';
    expect(diffBuild(a, b).filter((f) => f.regression).map((f) => f.metric).sort()).toEqual(['engine bytes', 'latency p99 ms']);
    const bench = { profile: 'cpu', backend: 'ort', textSeconds: 2, sloP99Ms: 100, single: { mean: 10, p99: 12 }, sweep: [{ streams: 1, latency: { p99: 12 } }, { streams: 2, latency: { p99: 20 } }], maxStreamsWithinSlo: 2 };
    const lessBench = { ...bench, single: { mean: 10 }, sweep: [bench.sweep[0]], maxStreamsWithinSlo: null };
    expect(diffBench(bench, lessBench).filter((f) => f.regression).map((f) => f.metric).sort()).toEqual(['latency p99 ms', 'streams level', 'streams within SLO']);
  });
});
