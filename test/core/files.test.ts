// Atomic writes on a real file system: a reader sees the old content or the complete new one.
import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
