// `emovoice completion bash|zsh`: the printed script, loaded into the real shell, completes commands,
// their options and the values those options take.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { completionSpec } from '../../src/cli/completion.ts';
import { COMMANDS } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ev-completion-'));
  for (const shell of ['bash', 'zsh']) {
    const r = await execa('node', [BIN, 'completion', shell], { cwd: dir });
    await writeFile(join(dir, `emovoice.${shell}`), r.stdout + '\n');
  }
});

/** What bash offers for the words typed so far (the last one is being completed). */
async function bashComplete(...words: string[]): Promise<string[]> {
  const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _emovoice; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = await execa('bash', ['-c', script, '_', join(dir, 'emovoice.bash'), 'emovoice', ...words], { cwd: dir });
  return r.stdout.split('\n').filter(Boolean);
}

describe('the completion spec', () => {
  it('has every command with its options, what each takes, and the bundled profile names', async () => {
    const spec = await completionSpec();
    expect(spec.commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    const synth = spec.commands.find((c) => c.name === 'synth')!;
    const opt = (flag: string) => synth.options.find((o) => o.flags.includes(flag));
    expect(opt('--ref')).toMatchObject({ value: 'any' });
    expect(opt('--json')).toMatchObject({ value: 'none' });
    expect(opt('--backend')).toMatchObject({ value: 'choice', choices: ['ort', 'cuda', 'trt', 'trtexec'] });
    expect(opt('--profile')).toMatchObject({ value: 'profile' });
    expect(spec.commands.find((c) => c.name === 'completion')!.argChoices).toEqual(['bash', 'zsh']);
    expect(spec.profiles).toEqual(expect.arrayContaining(['cpu', 'a10g-fp16']));
    expect(spec.profiles).not.toContain('profile.schema');
  });
});

describe('bash', () => {
  it('completes command names, after program options too', async () => {
    expect(await bashComplete('sy')).toEqual(['synth']);
    expect(await bashComplete('--config-dir', dir, 'do')).toEqual(['doctor']);
    expect(await bashComplete('')).toEqual(expect.arrayContaining(COMMANDS.map((c) => c.name)));
  });

  it("completes a command's options and their values", async () => {
    expect(await bashComplete('synth', '--emo')).toEqual(['--emotion', '--emotion-ref']);
    expect(await bashComplete('synth', '--backend', '')).toEqual(['ort', 'cuda', 'trt', 'trtexec']);
    expect(await bashComplete('verify', '--profile', 'a10')).toEqual(expect.arrayContaining(['a10g-fp16', 'a10g-int8']));
    expect(await bashComplete('completion', '')).toEqual(['bash', 'zsh']);
    expect(await bashComplete('import', '')).toEqual(['piper']);
    // a value that is a path: nothing from us, so bash falls back to file names (-o default)
    expect(await bashComplete('synth', 'hi', '--ref', '')).toEqual([]);
  });
});

const zsh = ['/usr/bin/zsh', '/bin/zsh'].find((p) => existsSync(p));
if (!zsh) console.warn('completion.test: zsh is not installed, so the zsh script is not loaded into zsh (apt-get install zsh)');

describe.skipIf(!zsh)('zsh', () => {
  it('parses, and registers _emovoice for emovoice when sourced after compinit', async () => {
    await execa(zsh!, ['-n', join(dir, 'emovoice.zsh')]);
    const r = await execa(zsh!, ['-f', '-c', `autoload -U compinit && compinit -u -D && source ${join(dir, 'emovoice.zsh')} && print -r -- $_comps[emovoice]`], { cwd: dir });
    expect(r.stdout.trim()).toBe('_emovoice');
  });
});
