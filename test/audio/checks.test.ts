import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReferenceAudio } from '../../src/audio/checks.ts';
import { readWav } from '../../src/audio/io.ts';
import { UserError } from '../../src/core/errors.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'wav');
const REF = { min: 3, max: 10 };

async function speech(): Promise<Float32Array> {
  return (await readWav(join(DIR, 'speech48k.wav'))).samples; // 1.43 s
}

function repeat(x: Float32Array, times: number): Float32Array {
  const out = new Float32Array(x.length * times);
  for (let i = 0; i < times; i++) out.set(x, i * x.length);
  return out;
}

describe('reference audio checks', () => {
  it('accepts 4.3 s of real speech and measures it', async () => {
    const x = repeat(await speech(), 3);
    const r = checkReferenceAudio({ samples: x, sampleRate: 48000 }, REF, 'ref.wav');
    expect(r.durationSec).toBeCloseTo(4.284, 3);
    expect(r.rmsDbfs).toBeGreaterThan(-30);
    expect(r.rmsDbfs).toBeLessThan(-10);
    expect(r.clippedFraction).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  it('too short / too long → UserError with the measured duration and a fix', async () => {
    const x = await speech();
    expect(() => checkReferenceAudio({ samples: x, sampleRate: 48000 }, REF, 'ref.wav')).toThrow(
      /reference audio is 1\.43 s long; the style encoder takes 3–10 s/,
    );
    try {
      checkReferenceAudio({ samples: repeat(x, 8), sampleRate: 48000 }, REF, 'ref.wav');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).format()).toBe(
        'ref.wav reference audio is 11.42 s long; the style encoder takes 3–10 s (audio.ref_seconds) (fix: trim it: ffmpeg -i ref.wav -t 10 out.wav (or: sox ref.wav out.wav trim 0 10))',
      );
    }
  });

  it('silence (speech at -70 dB) → UserError', async () => {
    const x = repeat(await speech(), 3).map((v) => v * 10 ** (-50 / 20));
    expect(() => checkReferenceAudio({ samples: x, sampleRate: 48000 }, REF, 'quiet.wav')).toThrow(/silent \(RMS -7\d\.\d dBFS/);
    expect(() => checkReferenceAudio({ samples: new Float32Array(48000 * 4), sampleRate: 48000 }, REF)).toThrow(/RMS -inf dBFS/);
  });

  it('clipping → a warning, not an error', async () => {
    const x = repeat(await speech(), 3).map((v) => Math.max(-1, Math.min(1, v * 20)));
    const r = checkReferenceAudio({ samples: x, sampleRate: 48000 }, REF, 'loud.wav');
    expect(r.clippedFraction).toBeGreaterThan(0.01);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^loud\.wav: \d+\.\d% of samples are clipped/);
  });
});
