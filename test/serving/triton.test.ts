// `emovoice package --triton`: every generated config.pbtxt must parse as Triton's ModelConfig
// (Triton's own model_config.proto, from the tritonclient wheel that scripts/setup.sh installs).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const haveSchema = (await execa('python3', ['-c', 'import tritonclient, google.protobuf'], { reject: false })).exitCode === 0;
if (!haveSchema) console.log('SKIPPED: python3 with tritonclient not available (scripts/setup.sh installs it)');

describe.skipIf(!haveSchema)('Triton model repository', () => {
  it('writes one plan model per engine plus the orchestrator, all valid against Triton’s schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir, '--allow-missing-engines'], { cwd: ROOT });
    expect(r.exitCode).toBe(0);
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), dir], { reject: false });
    expect(v.stdout).not.toMatch(/^error/m);
    expect(v.exitCode).toBe(0);
    expect(v.stdout.split('\n').filter((l) => l.startsWith('ok '))).toHaveLength(6);
    expect(v.stdout).toMatch(/ok vocoder tensorrt_plan max_batch_size=4/);
    expect(await readFile(join(dir, 'vocoder/config.pbtxt'), 'utf8')).toMatch(/max_queue_delay_microseconds: 10000/);
    expect(existsSync(join(dir, 'emovoice/1/model.py'))).toBe(true);
  });

  it('the validator rejects a config Triton would reject', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-bad-'));
    await execa('mkdir', ['-p', join(dir, 'vocoder')]);
    await writeFile(join(dir, 'vocoder/config.pbtxt'), 'name: "vocoder"\nplatform: "tensorrt_plan"\nmax_batch: 4\n');
    const v = await execa('python3', [join(ROOT, 'test/serving/validate_triton.py'), dir], { reject: false });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toMatch(/error vocoder: .*max_batch/);
  });

  it('refuses to package missing engines unless asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-triton-'));
    const r = await execa('node', [join(ROOT, 'bin/emovoice.js'), 'package', '--profile', 'a10g-fp16', '--triton', dir], { cwd: ROOT, reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/error: engines not built yet: .*\(fix: run `emovoice build --profile a10g-fp16` first/);
  });
});
