// The streamed-audio sinks: a WAV written chunk by chunk reads back as the one encodeWav writes at once
// (header sizes fixed at the end); an aborted stream leaves the target as it was and no partial file; a
// FIFO is written through with "size unknown" in its header; raw PCM is encodeWav's samples.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { pcm16, pcmStreamSink, wavFileSink } from '../../src/audio/stream-sink.ts';
import { encodeWav } from '../../src/audio/wav.ts';

const dir = await mkdtemp(join(tmpdir(), 'emovoice-sink-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const tone = Float32Array.from({ length: 3000 }, (_, i) => 0.9 * Math.sin(i / 7) + (i === 10 ? 2 : 0)); // one clipped sample

describe('stream sinks', () => {
  it('a WAV written in chunks equals encodeWav of the whole, and appears only when complete', async () => {
    const path = join(dir, 'a.wav');
    const sink = await wavFileSink(path, 22050);
    await sink.write(tone.subarray(0, 1000));
    expect(existsSync(path)).toBe(false); // written beside it until the end
    await sink.write(tone.subarray(1000));
    await sink.close();
    expect(new Uint8Array(await readFile(path))).toEqual(encodeWav(tone, 22050, { format: 'pcm16' }));
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('an aborted stream leaves the old file and no partial one', async () => {
    const path = join(dir, 'keep.wav');
    await writeFile(path, 'old');
    const sink = await wavFileSink(path, 16000);
    await sink.write(tone);
    await sink.abort();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('a FIFO is written through, its header saying the size is unknown', async () => {
    const fifo = join(dir, 'pipe.wav');
    await execa('mkfifo', [fifo]);
    const reader = readFile(fifo);
    const sink = await wavFileSink(fifo, 16000);
    await sink.write(tone);
    await sink.close();
    const got = new Uint8Array(await reader);
    const v = new DataView(got.buffer, got.byteOffset);
    expect(v.getUint32(4, true)).toBe(0xffffffff);
    expect(got.subarray(44)).toEqual(encodeWav(tone, 16000).subarray(44));
  });

  it('raw PCM is S16_LE as encodeWav rounds and clips it', async () => {
    const out = new PassThrough();
    const bufs: Buffer[] = [];
    out.on('data', (b: Buffer) => bufs.push(b));
    const sink = pcmStreamSink(out);
    await sink.write(tone.subarray(0, 5));
    await sink.write(tone.subarray(5));
    expect(new Uint8Array(Buffer.concat(bufs))).toEqual(pcm16(tone));
    expect(pcm16(tone)).toEqual(encodeWav(tone, 16000).subarray(44));
  });
});
