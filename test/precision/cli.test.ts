// `emovoice convert` as a user runs it: real speech, real files, the report on stdout; and its one-line
// errors (exit 2).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveSpeech, ROOT } from './speech.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

// the CLI's main() in this process (test/support/cli-inprocess.ts): the same code as `node bin/emovoice.js`
const cli = (args: string[]) => cliInProcess(args, { cwd: ROOT, env: { CI: 'true' } });

describe('emovoice convert', () => {
  it.skipIf(!haveSpeech())('writes the strongly typed vocoder and its report, then finds it up to date', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-convert-'));
    const args = ['convert', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', `output=${out}`, '--samples', '2'];
    const r = await cli([...args, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.modules).toHaveLength(1);
    const m = j.modules[0];
    expect(m).toMatchObject({ module: 'vocoder', precision: 'fp16', file: join(out, 'converted/vocoder.fp16.onnx'), cached: false });
    expect(m.report).toMatchObject({ target: 'fp16', emit: 'typed', measuredInputs: 2, output: m.file });
    expect(existsSync(m.file)).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'converted/vocoder.fp16.report.json'), 'utf8')).outputSha256).toBe(m.report.outputSha256);
    const again = await cli(args);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^vocoder +fp16: \d+ of \d+ float nodes in FP16, \d+ kept in FP32, \d+ casts \(up to date\)$/m);
  }, 60_000);

  it('keep_fp32 naming a missing node: one error line at the --set that says it, exit 2', async () => {
    const r = await cli(['convert', '--profile', 'a10g-fp16', '--module', 'vocoder', '--set', 'modules.vocoder.keep_fp32=[/conv_post/Comv]']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: --set modules\.vocoder\.keep_fp32\.0: vocoder: keep_fp32 names node "\/conv_post\/Comv", which \S+vocoder\.onnx does not have \(fix: did you mean "\/conv_post\/Conv"/);
  });
});
