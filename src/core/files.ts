// File helpers shared by the adapters: streaming hashes and atomic writes.
// Atomic means: a reader sees the old file or the complete new one, never a half-written file.
// An output path goes where the user said and touches nothing else: a symlink is followed and its
// target written (atomically), a character device or FIFO (/dev/null, /dev/stdout, a pipe) is written
// through, never replaced by a regular file; a folder, a block device or a socket is refused; errors
// name the path the user gave, never the temporary file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readlink, rename, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, basename, extname, join, resolve } from 'node:path';
import { UserError, fromSystemError, type Place } from './errors.ts';

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

export interface OutputOptions {
  /** The option the user gave the path with (`--out`): errors name it with the path as given. */
  flag?: string;
  /** File name endings this output may have (`['.wav']`); another ending is refused. */
  extensions?: string[];
  /** What the file holds, for that refusal ("WAV audio"). */
  what?: string;
}

/** Where an output path leads: a file to write atomically (absent or regular), or a device/FIFO to write through. */
export interface OutputTarget {
  file: string;
  kind: 'absent' | 'file' | 'stream';
  /** Permission bits of the file replaced, kept on the new one. */
  mode?: number;
}

const MAX_LINKS = 40; // as the kernel's ELOOP limit

/**
 * Checks an output path before any work is spent on it and says where it leads (symlinks followed).
 * A user error, naming the path as given, for an empty path, a folder, a block device, a socket, a
 * loop of links or a file name ending the output cannot have.
 */
export async function resolveOutput(path: string, o: OutputOptions = {}): Promise<OutputTarget> {
  const place: Place = { file: path, ...(o.flag && { path: o.flag }) };
  if (path === '') throw new UserError('the output path is empty', { place: o.flag ? { path: o.flag } : {}, hint: 'give a file path' });
  if (path.endsWith('/')) throw new UserError('names a folder (it ends in "/"), not a file', { place, hint: 'give a file path, e.g. out/synth.wav' });
  let p = resolve(path);
  try {
    for (let links = 0; links <= MAX_LINKS; links++) {
      let st;
      try {
        st = await lstat(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return checkEnding({ file: p, kind: 'absent' }, path, o, place);
        throw e;
      }
      if (st.isSymbolicLink()) {
        p = resolve(dirname(p), await readlink(p)); // written at its target, the link left as it is
        continue;
      }
      if (st.isFile()) return checkEnding({ file: p, kind: 'file', mode: st.mode & 0o7777 }, path, o, place);
      if (st.isCharacterDevice() || st.isFIFO()) return { file: p, kind: 'stream' };
      if (st.isDirectory()) throw new UserError(`is a folder${p !== resolve(path) ? ` (${p})` : ''}, not a file`, { place, hint: 'give a file path inside it, e.g. out/synth.wav' });
      const kind = st.isBlockDevice() ? 'a block device (a disk)' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw new UserError(`is ${kind}${p !== resolve(path) ? ` (${p})` : ''}; emovoice writes files, character devices (/dev/stdout) and FIFOs only`, { place, hint: 'give a file path' });
    }
  } catch (e) {
    throw asOutputError(e, place);
  }
  throw new UserError('too many levels of symbolic links', { place, hint: 'point the path at a real file' });
}

function checkEnding(t: OutputTarget, path: string, o: OutputOptions, place: Place): OutputTarget {
  const ends = o.extensions;
  if (!ends?.length) return t;
  const ext = extname(t.file).toLowerCase();
  if (ext === '' || ends.includes(ext)) return t;
  const what = o.what ?? `a ${ends.join('/')} file`;
  throw new UserError(`ends in "${extname(t.file)}", but emovoice writes ${what} here (${ends.join(', ')}), not that format`, {
    place,
    hint: `name it ${basename(path, extname(path))}${ends[0]}, and convert that file if another format is needed (e.g. ffmpeg -i x${ends[0]} x${ext})`,
  });
}

function asOutputError(e: unknown, place: Place): unknown {
  if (e instanceof UserError) return e;
  return fromSystemError(e, place) ?? e;
}

/**
 * Writes `data` to an output path (resolveOutput): a regular file or a new one atomically (a sibling
 * temporary file renamed over it, the old permission bits kept), a device or FIFO directly.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, o: OutputOptions = {}): Promise<void> {
  const target = await resolveOutput(path, o);
  const place: Place = { file: path, ...(o.flag && { path: o.flag }) };
  if (target.kind === 'stream') {
    await writeFile(target.file, data).catch((e) => {
      throw asOutputError(e, place);
    });
    return;
  }
  const tmp = partialPath(target.file);
  try {
    await mkdir(dirname(target.file), { recursive: true });
    await rm(tmp, { force: true }); // a stale one of ours; 'wx' below never follows a link planted there
    await writeFile(tmp, data, { flag: 'wx' });
    if (target.mode !== undefined) await chmod(tmp, target.mode);
    await rename(tmp, target.file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw asOutputError(e, place);
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
