// Checks on a reference recording before it reaches the style encoder. Pure.
//   duration outside audio.ref_seconds [min, max]  → UserError (the encoder was built for that range)
//   silent: RMS below -60 dBFS                     → UserError (no voice to take a style from)
//   NaN or infinite samples                        → UserError (a damaged float WAV, not silence)
//   clipped: more than 1% of samples at |x| ≥ 0.999 → warning only: clipped speech still carries
//     speaker and emotion, and many real recordings clip a little; the user hears about it and decides.
import { UserError } from '../core/errors.ts';

export interface RefSeconds {
  min: number;
  max: number;
}

export interface ReferenceCheck {
  durationSec: number;
  rmsDbfs: number;
  clippedFraction: number;
  warnings: string[];
}

export const SILENCE_DBFS = -60;
export const CLIP_LEVEL = 0.999;
export const CLIP_FRACTION = 0.01;

export function checkReferenceAudio(
  audio: { samples: Float32Array; sampleRate: number },
  refSeconds: RefSeconds,
  file = '<reference audio>',
  /** The manifest key that sets the range, named in the error. */
  key = 'audio.ref_seconds',
): ReferenceCheck {
  const { samples, sampleRate } = audio;
  const durationSec = samples.length / sampleRate;
  const place = { file };
  const fmt = (s: number) => s.toFixed(2);
  if (durationSec < refSeconds.min || durationSec > refSeconds.max) {
    const fix =
      durationSec < refSeconds.min
        ? `use a recording of at least ${refSeconds.min} s of speech (or join several: sox a.wav b.wav out.wav)`
        : `trim it: ffmpeg -i ${file} -t ${refSeconds.max} out.wav (or: sox ${file} out.wav trim 0 ${refSeconds.max})`;
    throw new UserError(
      `reference audio is ${fmt(durationSec)} s long; the style encoder takes ${refSeconds.min}–${refSeconds.max} s (${key})`,
      { place, hint: fix },
    );
  }
  let sumSq = 0;
  let clipped = 0;
  let notFinite = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (!Number.isFinite(v)) {
      notFinite++;
      continue;
    }
    sumSq += v * v;
    if (v >= CLIP_LEVEL || v <= -CLIP_LEVEL) clipped++;
  }
  // a float WAV can carry NaN or ±Inf: that is a damaged file, not silence (NaN made the RMS NaN, read as "silent")
  if (notFinite) {
    throw new UserError(`reference audio has ${notFinite} sample${notFinite === 1 ? '' : 's'} that are not numbers (NaN or infinite)`, {
      place,
      hint: `the file is damaged; export the recording again (e.g. sox ${file} -b 16 out.wav)`,
    });
  }
  const rms = Math.sqrt(sumSq / Math.max(1, samples.length));
  const rmsDbfs = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
  if (rmsDbfs < SILENCE_DBFS) {
    throw new UserError(`reference audio is silent (RMS ${rmsDbfs === -Infinity ? '-inf' : rmsDbfs.toFixed(1)} dBFS, below ${SILENCE_DBFS} dBFS)`, {
      place,
      hint: `record speech at a normal level, or normalise it: sox ${file} out.wav gain -n -3`,
    });
  }
  const clippedFraction = clipped / Math.max(1, samples.length);
  const warnings: string[] = [];
  if (clippedFraction > CLIP_FRACTION) {
    warnings.push(
      `${file}: ${(clippedFraction * 100).toFixed(1)}% of samples are clipped (|x| ≥ ${CLIP_LEVEL}); the style may be off — re-record at a lower level if you can`,
    );
  }
  return { durationSec, rmsDbfs, clippedFraction, warnings };
}

