// Calibration of one module on real speech: speech → module inputs → fp32 ONNX Runtime run with
// every intermediate exposed → streaming statistics (memory does not grow with the amount of
// speech) → ranges → TensorRT calibration cache + QDQ model → quality on held-out speech.
import { logMel, transposeMel, type MelConfig } from '../audio/mel.ts';
import { UserError } from '../core/errors.ts';
import { cosineSimilarity, logSpectralDistance, snrDb } from '../compare/metrics.ts';
import { OrtRunner } from '../runtime/ort.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import { loadSpeech, type SpeechClip } from './speech.ts';

export const SUPPORTED = ['vocoder', 'style_encoder'] as const;

/** One clip → the module's input tensors (chunked to the model's limits). Pure. */
export function clipInputs(module: string, samples: Float32Array, mel: MelConfig, limits: Record<string, number>): TensorMap[] {
  const m = logMel(samples, mel); // [n_mels, frames]
  const [nMels, frames] = m.shape as [number, number];
  const out: TensorMap[] = [];
  if (module === 'vocoder') {
    const max = limits.mel_len ?? 1024;
    for (let s = 0; s < frames; s += max) {
      const len = Math.min(max, frames - s);
      if (len < 16) break;
      const d = new Float32Array(nMels * len);
      for (let b = 0; b < nMels; b++) d.set((m.data as Float32Array).subarray(b * frames + s, b * frames + s + len), b * len);
      out.push({ mel: { dtype: 'float32', shape: [1, nMels, len], data: d } });
    }
  } else if (module === 'style_encoder') {
    const t = transposeMel(m); // [frames, n_mels]
    const max = limits.ref_frames ?? 626;
    for (let s = 0; s < frames; s += max) {
      const len = Math.min(max, frames - s);
      if (len < 32) break;
      out.push({ ref_mel: { dtype: 'float32', shape: [1, len, nMels], data: (t.data as Float32Array).slice(s * nMels, (s + len) * nMels) } });
    }
  } else {
    throw new UserError(`calibration of ${module} is not supported yet`, { hint: `calibrate one of: ${SUPPORTED.join(', ')} (the seed's advice: start with the vocoder)` });
  }
  return out;
}

export async function* speechInputs(opts: {
  module: string;
  source: string;
  split: 'calibration' | 'heldout';
  mel: MelConfig;
  limits: Record<string, number>;
  maxClips: number;
}): AsyncGenerator<{ clip: SpeechClip; feeds: TensorMap }> {
  let n = 0;
  for await (const clip of loadSpeech({ source: opts.source, split: opts.split, sampleRate: opts.mel.sample_rate })) {
    for (const feeds of clipInputs(opts.module, clip.samples, opts.mel, opts.limits)) {
      yield { clip, feeds };
      if (++n >= opts.maxClips) return;
    }
  }
}

export interface Quality {
  cases: number;
  snrDb?: number;
  lsdDb?: number;
  cosine?: number;
}

/** Quality of a candidate (e.g. QDQ) model against fp32 on the same inputs. */
export async function measureQuality(module: string, fp32: OrtRunner, candidate: OrtRunner, inputs: TensorMap[]): Promise<Quality> {
  const snr: number[] = [];
  const lsd: number[] = [];
  const cos: number[] = [];
  for (const feeds of inputs) {
    const [a, b] = await Promise.all([fp32.infer(feeds), candidate.infer(feeds)]);
    if (module === 'vocoder') {
      const ref = a.waveform!.data as Float32Array;
      const out = b.waveform!.data as Float32Array;
      snr.push(snrDb(out, ref));
      lsd.push(logSpectralDistance(out, ref));
    } else {
      for (const k of Object.keys(a)) cos.push(cosineSimilarity(b[k]!.data as Float32Array, a[k]!.data as Float32Array));
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((p, q) => p + q, 0) / xs.length : undefined);
  return { cases: inputs.length, snrDb: mean(snr), lsdDb: mean(lsd), cosine: mean(cos) };
}
