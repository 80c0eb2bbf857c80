// File adapters for .npy/.npz: the only part of src/tensor that touches the file system.
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { encodeNpy, parseNpy } from './npy.ts';
import { encodeNpz, parseNpz, type NpzWriteOptions } from './npz.ts';
import type { Tensor, TensorMap } from './tensor.ts';

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${what} file not found` : `cannot read ${what} file: ${(e as Error).message}`, {
      place: { file: path },
      hint: 'check the path',
    });
  }
}

export async function readNpy(path: string): Promise<Tensor> {
  return parseNpy(await readBytes(path, '.npy'), path);
}

export async function writeNpy(path: string, t: Tensor): Promise<void> {
  await writeFileAtomic(path, encodeNpy(t));
}

export async function readNpz(path: string): Promise<TensorMap> {
  return parseNpz(await readBytes(path, '.npz'), path);
}

export async function writeNpz(path: string, tensors: TensorMap, opts: NpzWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodeNpz(tensors, opts));
}
