// .npz encode/decode: a zip of .npy members, as numpy.savez (stored) and numpy.savez_compressed (deflated) write it.
// Pure: bytes in, TensorMap out (and back). File access lives in src/tensor/io.ts.
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { UserError } from '../core/errors.ts';
import { encodeNpy, parseNpy } from './npy.ts';
import type { TensorMap } from './tensor.ts';

/** Decode every member. Keys drop the ".npy" suffix, as numpy's NpzFile does. */
export function parseNpz(bytes: Uint8Array, file = '<npz>'): TensorMap {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new UserError(`not a readable .npz (zip) file: ${(e as Error).message}`, {
      place: { file },
      hint: 'write it with numpy.savez or numpy.savez_compressed',
    });
  }
  const out: TensorMap = {};
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue; // directory entry
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    out[key] = parseNpy(data, `${file}:${name}`);
  }
  return out;
}

export interface NpzWriteOptions {
  /** Deflate members like numpy.savez_compressed (default false: stored, like numpy.savez). */
  compressed?: boolean;
}

export function encodeNpz(tensors: TensorMap, opts: NpzWriteOptions = {}): Uint8Array {
  const level = opts.compressed ? 6 : 0;
  const files: Zippable = {};
  for (const [name, t] of Object.entries(tensors)) {
    files[`${name}.npy`] = [encodeNpy(t), { level }];
  }
  // fixed mtime: the same tensors always give the same bytes (build keys, caching)
  return zipSync(files, { mtime: new Date(1980, 0, 1, 0, 0, 0) });
}
