// A content-keyed cache for the expensive set-up of tests (converted models, calibrations), shared by the
// test files of one run and kept for later runs under .cache/test/ (gitignored). A key hashes everything
// the result can depend on: the source tree (src/, configs/, package-lock.json), the model files the test
// names, the speech manifest, and the command line; change any of them and the work is done afresh.
// What is cached is the output of the real command, made the first time exactly as without a cache; a
// folder counts only once its maker finished (written beside, then renamed into place).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ROOT } from './setup.ts';

export const TEST_CACHE = join(ROOT, '.cache', 'test');

function* files(path: string): Generator<string> {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) {
    yield path;
    return;
  }
  for (const e of readdirSync(path).sort()) yield* files(join(path, e));
}

/** SHA-256 over the paths and bytes of these files and folders (relative to the repository) and these strings. */
export function contentKey(paths: string[], extra: unknown = null): string {
  const h = createHash('sha256');
  for (const p of paths) {
    for (const f of files(join(ROOT, p))) {
      h.update(relative(ROOT, f));
      h.update('\0');
      h.update(readFileSync(f));
      h.update('\0');
    }
  }
  h.update(JSON.stringify(extra));
  return h.digest('hex').slice(0, 24);
}

/** What every cached result depends on: the code that makes it. */
export const CODE = ['src', 'configs', 'package-lock.json'];

/**
 * The folder of `name` for this key, made by `make(dir)` the first time (into a folder beside, renamed into
 * place when make resolves; a failed make leaves nothing behind). Returns the folder and whether it was made now.
 */
export async function cachedFolder(name: string, key: string, make: (dir: string) => Promise<void>): Promise<{ dir: string; made: boolean }> {
  const dir = join(TEST_CACHE, `${name}-${key}`);
  if (existsSync(join(dir, '.complete'))) return { dir, made: false };
  await mkdir(TEST_CACHE, { recursive: true });
  const tmp = await mkdtemp(join(TEST_CACHE, `.${name}-`));
  try {
    await make(tmp);
    await writeFile(join(tmp, '.complete'), new Date().toISOString() + '\n');
    // another test file may have made the same folder meanwhile: theirs is as good, and is left alone
    // (only a finished folder is ever renamed into place, so `dir` is either absent or complete)
    if (!existsSync(join(dir, '.complete'))) {
      await rename(tmp, dir).catch((e) => {
        if (!existsSync(join(dir, '.complete'))) throw e;
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { dir, made: true };
}
