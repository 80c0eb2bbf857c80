// `emovoice synth --stream` end to end (bundled tiny model, CPU): a WAV written progressively, and the
// same samples as raw S16_LE on stdout with `--out -` (its report on stderr), with the first-audio time.
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../src/audio/wav.ts';

const ROOT = resolve(__dirname, '../..');
const args = ['bin/emovoice.js', 'synth', 'Good morning. We will meet at ten.', '--ref', 'data/ref-alsa.wav', '--stream', '--set', 'serving.stream_first_chunk_frames=8', '--set', 'serving.stream_chunk_frames=24'];

describe('emovoice synth --stream', () => {
  it('writes the WAV progressively and the same PCM to stdout with --out -', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-stream-'));
    try {
      const wav = join(dir, 's.wav');
      const a = await execa('node', [...args, '--out', wav, '--json'], { cwd: ROOT, reject: false });
      expect(a.stderr).not.toMatch(/^error:/m);
      expect(a.exitCode).toBe(0);
      const rep = JSON.parse(a.stdout);
      expect(rep.stream.chunks).toBeGreaterThan(2);
      expect(rep.firstAudioMs).toBeLessThan(rep.totalMs);
      const decoded = parseWav(new Uint8Array(await readFile(wav)), wav);
      expect(decoded.sampleRate).toBe(16000);
      expect(decoded.samples.length).toBe(Math.round(rep.audioSeconds * 16000));
      const b = await execa('node', [...args, '--out', '-'], { cwd: ROOT, reject: false, encoding: 'buffer' });
      expect(b.exitCode).toBe(0);
      expect(Buffer.from(b.stderr).toString()).toMatch(/first audio after [\d.]+ ms/);
      expect(new Uint8Array(b.stdout)).toEqual(new Uint8Array(await readFile(wav)).subarray(44));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
