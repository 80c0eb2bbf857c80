// `emovoice build` through the CLI with the STAND-IN trtexec (test/fixtures/bin/fake-trtexec). The
// stand-in writes a placeholder file, never an engine; this checks orchestration and exit codes only.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const FAKE = join(ROOT, 'test/fixtures/bin/fake-trtexec');

async function build(out: string, mode: string, extra: string[] = []) {
  return execa('node', [join(ROOT, 'bin/emovoice.js'), 'build', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--json', ...extra], {
    cwd: ROOT,
    reject: false,
    env: { TRTEXEC: FAKE, FAKE_TRTEXEC_MODE: mode, CI: 'true' },
  });
}

describe('emovoice build with the stand-in trtexec (orchestration only)', () => {
  it('success writes the build manifest; failure exits 3 and keeps the previous file; unchanged is skipped', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    let r = await build(out, 'success');
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.built).toEqual(['vocoder']);
    expect(r.stderr).toMatch(/vocoder: built/);
    const manifest = JSON.parse(await readFile(join(out, 'build-manifest.json'), 'utf8'));
    expect(manifest.tensorrt).toMatchObject({ version: '10.3.0', dialect: 'trt10' });
    expect(manifest.modules.vocoder.command).toContain('--fp16');
    expect(manifest.modules.vocoder.onnx.sha256).toMatch(/^[0-9a-f]{64}$/);

    r = await build(out, 'success');
    expect(JSON.parse(r.stdout).skipped).toEqual(['vocoder']);

    r = await build(out, 'fail', ['--force']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/vocoder: FAILED: trtexec exited with code 1/);
    expect(await readFile(join(out, 'vocoder.engine'), 'utf8')).toBe('FAKE-ENGINE-NOT-TENSORRT');
  });

  it('--measure records each engine’s latency at the opt shapes, and diff gates a planted regression', async () => {
    // The stand-in replays a real trtexec performance log (TensorRT issue #4177) for the timing run.
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'build', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--measure', '1', '--json'], {
      cwd: ROOT,
      reject: false,
      env: { TRTEXEC: FAKE, CI: 'true', FAKE_TRTEXEC_LOG: join(ROOT, 'test/fixtures/trtexec/trt10-perf-summary-4177.log') },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/vocoder: latency at opt shapes mean 7\.606 ms, p99 12\.967 ms, 130\.298 qps/);
    const manifestFile = join(out, 'build-manifest.json');
    const m = JSON.parse(await readFile(manifestFile, 'utf8'));
    const perf = m.modules.vocoder.perf;
    expect(perf.latencyMs).toMatchObject({ mean: 7.60628, p99: 12.9675 });
    expect(perf.shapes).toEqual([{ name: 'mel', dims: [1, 80, 400] }]);
    expect(perf.command.slice(1)).toEqual([`--loadEngine=${join(out, 'vocoder.engine')}`, '--shapes=mel:1x80x400', '--warmUp=500', '--duration=1', '--useCudaGraph']);
    const slower = structuredClone(m);
    slower.modules.vocoder.perf.latencyMs.p99 *= 1.2;
    const slowFile = join(out, 'slower.json');
    await writeFile(slowFile, JSON.stringify(slower));
    const same = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'diff', manifestFile, manifestFile], { cwd: ROOT, reject: false });
    expect(same.exitCode).toBe(0);
    const d = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'diff', manifestFile, slowFile], { cwd: ROOT, reject: false });
    expect(d.exitCode).toBe(1);
    expect(d.stdout + d.stderr).toMatch(/vocoder.*latency p99 ms.*\+20\.0%/);
  });

  it('--measure: a failing timing run exits 3 and names the module', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    expect((await build(out, 'success')).exitCode).toBe(0);
    const r = await build(out, 'fail', ['--measure']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/vocoder: measurement FAILED: trtexec exited with 1/);
    expect(JSON.parse(r.stdout).skipped).toEqual(['vocoder']); // the engine itself was up to date
  });

  it('a bad --measure or --timeout value stops before anything is built', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-build-'));
    for (const [flag, value] of [['--measure', 'abc'], ['--timeout', '0']]) {
      const r = await build(out, 'success', [flag!, value!]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([`error: ${flag}: "${value}" is not a positive number (fix: e.g. ${flag} 2)`]);
    }
    expect(existsSync(join(out, 'vocoder.engine'))).toBe(false);
    expect(existsSync(join(out, 'build-manifest.json'))).toBe(false);
  });
});
