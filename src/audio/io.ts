// File adapters for audio: the only part of src/audio that touches the file system.
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { encodeWav, parseWav, type DecodedWav, type WavWriteOptions } from './wav.ts';

export async function readWav(path: string): Promise<DecodedWav> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'audio file not found' : `cannot read audio file: ${(e as Error).message}`, {
      place: { file: path },
      hint: 'check the path',
    });
  }
  return parseWav(bytes, path);
}

export async function writeWav(path: string, samples: Float32Array, sampleRate: number, opts: WavWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodeWav(samples, sampleRate, opts));
}
