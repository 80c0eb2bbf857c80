// `emovoice diff` flags planted regressions in real documents produced by this toolchain.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { diffBench, diffBuild, diffVerify } from '../../src/report/diff.ts';
import { parseTrtexecLog } from '../../src/trtexec/parse.ts';
import { readFileSync } from 'node:fs';

const ROOT = resolve(__dirname, '../..');

function manifest(p99: number, bytes: number) {
  // the parsed summary of a real trtexec 10.x log, as the build manifest stores it
  const summary = parseTrtexecLog(readFileSync(join(ROOT, 'test/fixtures/trtexec/trt10-perf-summary-4177.log'), 'utf8'));
  return {
    format: 'emovoice-build-manifest/1',
    modules: { vocoder: { engine: { bytes }, summary: { ...summary, latencyMs: { ...summary.latencyMs, p99 } } } },
  };
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
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'verify', '--profile', 'cpu', '--module', 'vocoder', '--json'], { cwd: ROOT });
    const good = JSON.parse(r.stdout);
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
    const cli = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'diff', join(dir, 'old.json'), join(dir, 'new.json')], { reject: false });
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
    const d = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'diff', join(dir, 'old.json'), join(dir, 'new.json')], { cwd: ROOT, reject: false });
    expect(d.exitCode).toBe(1);
    expect(d.stdout).toMatch(/REGRESSION\s+2 streams\s+latency p99 ms .*\+30\.0%/);
    expect(d.stdout).toMatch(/3 regression\(s\) in \d+ comparisons \(bench\)/);
  }, 60_000);
});
