import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { readWav, writeWav } from '../../src/audio/io.ts';
import { encodeWav, parseWav } from '../../src/audio/wav.ts';
import { parseNpy } from '../../src/tensor/npy.ts';

// Fixtures: test/fixtures/wav/make.py (real ALSA speech; hand-built headers for every format).
const DIR = join(import.meta.dirname, '..', 'fixtures', 'wav');
const bytes = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

describe('WAV read', () => {
  it('reads the real 48 kHz recording', async () => {
    const a = await readWav(join(DIR, 'speech48k.wav'));
    expect(a.sampleRate).toBe(48000);
    expect(a.channels).toBe(1);
    expect(a.samples.length).toBe(68545);
    expect(a.durationSec).toBeCloseTo(1.428, 3);
    let peak = 0;
    for (const v of a.samples) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBe(15487 / 32768); // scipy: abs(x).max() == 15487
  });

  const formats: [string, number, string, number][] = [
    ['fmt_u8_stereo', 2, 'pcm', 8],
    ['fmt_s16_mono', 1, 'pcm', 16],
    ['fmt_s16_stereo_chunks', 2, 'pcm', 16],
    ['fmt_s24_stereo', 2, 'pcm', 24],
    ['fmt_s24_ext', 2, 'pcm', 24],
    ['fmt_s32_mono', 1, 'pcm', 32],
    ['fmt_f32_stereo', 2, 'float', 32],
    ['fmt_f32_ext', 1, 'float', 32],
    ['fmt_f64_mono', 1, 'float', 64],
  ];
  for (const [name, channels, encoding, bits] of formats) {
    it(`decodes ${name} to the expected mono samples`, () => {
      const a = parseWav(bytes(`${name}.wav`), `${name}.wav`);
      const want = parseNpy(bytes(`${name}.expected.npy`)).data as Float32Array;
      expect([a.channels, a.encoding, a.bitsPerSample, a.sampleRate]).toEqual([channels, encoding, bits, 16000]);
      expect(a.samples.length).toBe(800);
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(a.samples[i]! - want[i]!));
      expect(maxErr).toBeLessThanOrEqual(6e-8); // float32 rounding of the channel mean only
    });
  }

  it('rejects broken and unsupported files with the file name and a conversion command', () => {
    const cases: [string, RegExp][] = [
      ['bad_truncated.wav', /truncated WAV: data chunk says 1600 bytes, the file has 1299/],
      ['bad_notwav.wav', /not a WAV file/],
      ['bad_mulaw.wav', /unsupported WAV encoding mu-law/],
    ];
    for (const [f, msg] of cases) {
      try {
        parseWav(bytes(f), f);
        expect.unreachable(f);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        const line = (e as UserError).format();
        expect(line).toMatch(msg);
        expect(line).toMatch(new RegExp(`^${f} `));
        expect(line).toContain(`ffmpeg -i ${f} -ar 16000 -ac 1`);
      }
    }
  });

  it('a missing file is a UserError', async () => {
    await expect(readWav(join(DIR, 'nope.wav'))).rejects.toThrow(/audio file not found/);
  });
});

describe('WAV write', () => {
  it('pcm16 and float32 round-trip through the reader, on disk', async () => {
    const src = (await readWav(join(DIR, 'speech48k.wav'))).samples;
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-wav-'));
    try {
      await writeWav(join(dir, 'a.wav'), src, 48000);
      const a = await readWav(join(dir, 'a.wav'));
      expect(a.bitsPerSample).toBe(16);
      expect(Buffer.from(a.samples.buffer).equals(Buffer.from(src.buffer))).toBe(true); // int16 values exactly
      // pcm16 from an int16 file is byte-identical to the original recording's data
      expect(Buffer.from(readFileSync(join(dir, 'a.wav'))).subarray(44).equals(Buffer.from(readFileSync(join(DIR, 'speech48k.wav'))).subarray(44))).toBe(true);

      const f = new Float32Array([0.1, -0.25, 1.5, -2, 1e-9]);
      await writeWav(join(dir, 'f.wav'), f, 22050, { format: 'float32' });
      const b = await readWav(join(dir, 'f.wav'));
      expect([b.encoding, b.bitsPerSample, b.sampleRate]).toEqual(['float', 32, 22050]);
      expect([...b.samples]).toEqual([...f]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pcm16 clips out-of-range samples', () => {
    const a = parseWav(encodeWav(new Float32Array([1.5, -1.5, 0.5]), 8000));
    expect([...a.samples]).toEqual([32767 / 32768, -1, 0.5]);
  });
});
