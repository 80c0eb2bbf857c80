// File helpers shared by the adapters: streaming hashes and atomic writes.
// Atomic means: a reader sees the old file or the complete new one, never a half-written file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return hash.digest('hex');
}

export function sha256Text(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A sibling temp path that no tool mistakes for the real file (no .engine/.json suffix at the end). */
export function partialPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = partialPath(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/**
 * Writes folders into `root` so that each appears complete or not at all: `write(stage)` fills a hidden
 * sibling staging folder, then each of its entries replaces its namesake in `root` by rename (the old
 * one is removed afterwards). Other entries of `root` are left alone; a failed or interrupted write
 * leaves `root` as it was (and at worst a `.<name>.<pid>.partial` folder beside it).
 */
export async function replaceFolders(root: string, write: (stage: string) => Promise<void>): Promise<void> {
  const stage = partialPath(root);
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  try {
    await write(stage);
    await mkdir(root, { recursive: true });
    for (const name of await readdir(stage)) {
      const target = join(root, name);
      const old = join(stage, `.${name}.old`);
      const had = await fileExists(target);
      if (had) await rename(target, old);
      try {
        await rename(join(stage, name), target);
      } catch (e) {
        if (had) await rename(old, target);
        throw e;
      }
    }
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
