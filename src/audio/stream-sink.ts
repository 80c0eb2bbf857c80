// Where streamed audio goes as it is made (`synth --stream`): raw S16_LE PCM to stdout (`--out -`, for
// `| aplay -f S16_LE -r 22050 -c 1`), or a 16-bit WAV written chunk by chunk whose header sizes are fixed
// when the last chunk is in. A regular file is written beside the target (a hidden .partial sibling) and
// renamed over it at the end, so an interrupted or failed stream never leaves a short WAV that looks
// complete; a FIFO or character device there is written through (its header says "size unknown").
// Adapter: files and stdout; the sample conversion is encodeWav's (round(x·32768), clipped).
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { partialPath } from '../core/files.ts';
import { encodeWav } from './wav.ts';

export interface AudioSink {
  /** Where the audio goes, for messages ("-" for stdout). */
  readonly target: string;
  write(samples: Float32Array): Promise<void>;
  /** All audio is in: fix the header and put the file in place. */
  close(): Promise<void>;
  /** Stop: remove what was written (a file), leave the target as it was. */
  abort(): Promise<void>;
  /** Set when the reader went away (a closed pipe): the caller stops synthesizing. */
  readonly closedByReader: boolean;
}

/** 16-bit little-endian PCM of `x`, as encodeWav writes it. */
export function pcm16(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length * 2);
  const v = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) {
    const s = Math.round(x[i]! * 32768);
    v.setInt16(i * 2, s > 32767 ? 32767 : s < -32768 ? -32768 : s, true);
  }
  return out;
}

/** Raw PCM to a stream (stdout): waits for the reader (backpressure); a closed pipe ends it quietly. */
export function pcmStreamSink(stream: Writable, target = '-'): AudioSink {
  let gone = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') gone = true;
  });
  return {
    target,
    get closedByReader() {
      return gone;
    },
    async write(samples) {
      if (gone) return;
      const ok = stream.write(pcm16(samples));
      if (!ok && !gone) await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('error', done);
          stream.off('close', done);
          resolve();
        };
        stream.once('drain', done);
        stream.once('error', done);
        stream.once('close', done);
      });
    },
    async close() {},
    async abort() {},
  };
}

/** A 16-bit mono WAV written as chunks come (see the module comment for where the bytes go). */
export async function wavFileSink(path: string, sampleRate: number): Promise<AudioSink> {
  const existing = await stat(path).catch(() => null);
  const through = !!existing && (existing.isFIFO() || existing.isCharacterDevice());
  if (existing?.isDirectory()) {
    const { UserError } = await import('../core/errors.ts');
    throw new UserError(`${path} is a folder`, { hint: 'give a file name for --out, e.g. --out out/speech.wav, or --out - for raw PCM on stdout' });
  }
  const file = through ? path : partialPath(path);
  if (!through) await mkdir(dirname(path), { recursive: true });
  const fh: FileHandle = await open(file, through ? constants.O_WRONLY : 'w');
  const header = encodeWav(new Float32Array(0), sampleRate);
  if (through) {
    // a reader of a pipe cannot wait for the sizes: "unknown" (the largest), as streaming WAV writers do
    const v = new DataView(header.buffer);
    v.setUint32(4, 0xffffffff, true);
    v.setUint32(40, 0xffffffff - 36, true);
  }
  await fh.write(header, 0, header.length, through ? null : 0);
  let bytes = 0;
  let finished = false;
  return {
    target: path,
    closedByReader: false,
    async write(samples) {
      const b = pcm16(samples);
      await fh.write(b, 0, b.length, through ? null : header.length + bytes);
      bytes += b.length;
    },
    async close() {
      if (finished) return;
      finished = true;
      if (!through) {
        const fix = new Uint8Array(4);
        const v = new DataView(fix.buffer);
        v.setUint32(0, 36 + bytes, true);
        await fh.write(fix, 0, 4, 4);
        v.setUint32(0, bytes, true);
        await fh.write(fix, 0, 4, 40);
        await fh.sync();
      }
      await fh.close();
      if (!through) await rename(file, path);
    },
    async abort() {
      if (finished) return;
      finished = true;
      await fh.close().catch(() => undefined);
      if (!through) await rm(file, { force: true });
    },
  };
}
