// Atomic writes on a real file system: a reader sees the old content or the complete new one.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { replaceFolders, writeFileAtomic } from '../../src/core/files.ts';

async function repo(): Promise<string> {
  const root = join(await mkdtemp(join(tmpdir(), 'ev-files-')), 'models');
  for (const [m, v] of [['vocoder', 'old plan'], ['someone_elses', 'keep me']]) {
    await mkdir(join(root, m, '1'), { recursive: true });
    await writeFile(join(root, m, '1', 'model.plan'), v!);
  }
  return root;
}

describe('replaceFolders', () => {
  it('replaces the folders it writes, keeps the others, leaves no staging folder', async () => {
    const root = await repo();
    await replaceFolders(root, async (stage) => {
      for (const m of ['vocoder', 'emovoice']) {
        await mkdir(join(stage, m, '1'), { recursive: true });
        await writeFile(join(stage, m, '1', 'model.plan'), `new ${m}`);
      }
    });
    expect((await readdir(root)).sort()).toEqual(['emovoice', 'someone_elses', 'vocoder']);
    expect(await readFile(join(root, 'vocoder/1/model.plan'), 'utf8')).toBe('new vocoder');
    expect(await readdir(join(root, 'vocoder/1'))).toEqual(['model.plan']); // replaced, not merged
    expect(await readFile(join(root, 'someone_elses/1/model.plan'), 'utf8')).toBe('keep me');
    expect((await readdir(join(root, '..'))).sort()).toEqual(['models']);
  });

  it('a write that fails halfway leaves the repository exactly as it was', async () => {
    const root = await repo();
    await expect(
      replaceFolders(root, async (stage) => {
        await mkdir(join(stage, 'vocoder', '1'), { recursive: true });
        await writeFile(join(stage, 'vocoder', '1', 'model.plan'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(join(root, 'vocoder/1/model.plan'), 'utf8')).toBe('old plan');
    expect((await readdir(join(root, '..'))).sort()).toEqual(['models']);
  });
});

describe('writeFileAtomic', () => {
  it('writes the whole file and leaves no partial file beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-files-'));
    await writeFileAtomic(join(dir, 'a/b.json'), '{"x":1}');
    expect(await readFile(join(dir, 'a/b.json'), 'utf8')).toBe('{"x":1}');
    expect(await readdir(join(dir, 'a'))).toEqual(['b.json']);
  });
});

// Output paths (issue 25): the atomic rename replaced whatever was at the path — /dev/null became a WAV,
// a symlink became a file (its target left stale), and errors named the temporary .partial file.
describe('writeFileAtomic on what a user may give as an output path', () => {
  async function listing(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const st = await lstat(join(dir, name));
      out.push(`${name} ${st.isSymbolicLink() ? `-> ${await readlink(join(dir, name))}` : st.isFIFO() ? 'fifo' : st.isDirectory() ? 'dir' : `${st.size} ino ${st.ino}`}`);
    }
    return out;
  }

  it('follows a symlink and replaces its target atomically, the link left a link', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-out-'));
    await writeFile(join(dir, 'real.wav'), 'old');
    await chmod(join(dir, 'real.wav'), 0o640);
    await symlink('real.wav', join(dir, 'link.wav'));
    await writeFileAtomic(join(dir, 'link.wav'), 'new');
    expect((await lstat(join(dir, 'link.wav'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'real.wav'), 'utf8')).toBe('new');
    expect((await stat(join(dir, 'real.wav'))).mode & 0o777).toBe(0o640); // the replaced file's permissions kept
    expect(await readdir(dir)).toEqual(['link.wav', 'real.wav']);
  });

  it('a dangling symlink gets its target created; a chain of links is followed to the end', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-out-'));
    await mkdir(join(dir, 'sub'));
    await symlink('sub/target.wav', join(dir, 'a.wav'));
    await symlink('a.wav', join(dir, 'b.wav'));
    await writeFileAtomic(join(dir, 'b.wav'), 'x');
    expect(await readFile(join(dir, 'sub/target.wav'), 'utf8')).toBe('x');
    expect(await listing(dir)).toEqual(['a.wav -> sub/target.wav', 'b.wav -> a.wav', 'sub dir']);
  });

  it('writes through a character device and a FIFO, never replacing them', async () => {
    await writeFileAtomic('/dev/null', 'x'.repeat(1000));
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'ev-out-'));
    const fifo = join(dir, 'pipe.wav');
    await execa('mkfifo', [fifo]);
    const reader = execa('cat', [fifo], { encoding: 'utf8' });
    await writeFileAtomic(fifo, 'through the pipe');
    expect((await reader).stdout).toBe('through the pipe');
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect(await readdir(dir)).toEqual(['pipe.wav']);
  });

  it('refuses a folder, an empty path, a path ending in "/", a loop of links and a wrong file ending, naming what the user gave', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-out-'));
    await symlink('loop2', join(dir, 'loop1'));
    await symlink('loop1', join(dir, 'loop2'));
    const o = { flag: '--out', extensions: ['.wav'], what: 'WAV audio' };
    const cases: [string, RegExp][] = [
      [dir, /--out: is a folder, not a file/],
      ['', /^--out: the output path is empty/],
      [`${dir}/new/`, /names a folder/],
      [join(dir, 'loop1'), /too many levels of symbolic links/],
      [join(dir, 'x.mp3'), /ends in "\.mp3", but emovoice writes WAV audio/],
    ];
    for (const [path, msg] of cases) {
      const e = await writeFileAtomic(path, 'x', o).catch((x) => x);
      expect(e, path).toBeInstanceOf(UserError);
      expect(e.format()).toMatch(msg);
      if (path) expect(e.format().startsWith(`${path} --out:`)).toBe(true);
      expect(e.format()).not.toMatch(/partial/);
    }
    expect((await readdir(dir)).sort()).toEqual(['loop1', 'loop2']);
  });

  it('a place it cannot create a file in is an error naming the path given, not the temporary file', async () => {
    const e = await writeFileAtomic('/proc/emovoice-test.wav', 'x', { flag: '--out' }).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.format()).toMatch(/^\/proc\/emovoice-test\.wav --out: cannot write it: /);
    expect(e.format()).not.toMatch(/partial/);
    const full = await writeFileAtomic('/dev/full', 'x', { flag: '--out' }).catch((x) => x);
    expect(full.format()).toMatch(/^\/dev\/full --out: cannot write it: no space left on the device \(ENOSPC\)/);
  });
});
