// `emovoice build` through the CLI with the STAND-IN trtexec (test/fixtures/bin/fake-trtexec). The
// stand-in writes a placeholder file, never an engine; this checks orchestration and exit codes only.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
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
});
