// Calibration of one module on real speech: speech → module inputs → fp32 ONNX Runtime run with
// every intermediate exposed → streaming statistics (memory does not grow with the amount of
// speech) → ranges → TensorRT calibration cache + QDQ model → quality on held-out speech.
import { logMel, transposeMel, type MelConfig } from '../audio/mel.ts';
import { UserError } from '../core/errors.ts';
import { cosineSimilarity, logSpectralDistance, melCepstralDistortion, snrDb } from '../compare/metrics.ts';
import type { Runner } from '../runtime/runner.ts';
import { durationsFromLog, regulateLength, type LengthRegulatorConfig } from '../synth/length.ts';
import { textToPhonemes } from '../text/frontend.ts';
import { OrtRunner } from '../runtime/ort.ts';
import type { Tensor, TensorMap } from '../tensor/tensor.ts';
import { loadSpeech, type SpeechClip } from './speech.ts';

export const SUPPORTED = ['vocoder', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'acoustic_decoder'] as const;
const TEXT_SIDE = ['text_encoder', 'acoustic_encoder', 'acoustic_decoder'];

/** fp32 upstream modules that turn a clip + its transcript into text-side module inputs. */
export interface Upstream {
  symbols: string[];
  lengthRegulator: LengthRegulatorConfig;
  style: Runner;
  text: Runner;
  acoustic: Runner;
}

/** Clip + transcript → inputs of a text-side module, through the fp32 upstream modules (real speech, real text). */
export async function textSideInputs(module: string, clip: SpeechClip, mel: MelConfig, limits: Record<string, number>, up: Upstream): Promise<TensorMap | null> {
  if (!clip.transcript) return null;
  let ids: Int32Array;
  try {
    ids = textToPhonemes(clip.transcript, { symbols: up.symbols }).ids;
  } catch {
    return null; // transcripts our frontend cannot read (e.g. zhuyin keys) are skipped
  }
  ids = ids.slice(0, limits.text_len ?? ids.length);
  const refs = clipInputs('style_encoder', clip.samples, mel, limits);
  if (!refs.length) return null;
  const emb = await up.style.infer(refs[0]!);
  const cond = { speaker_embedding: emb.speaker_embedding!, emotion_embedding: emb.emotion_embedding! };
  const phonemes: Tensor = { dtype: 'int32', shape: [1, ids.length], data: ids };
  if (module === 'text_encoder') return { phoneme_ids: phonemes };
  const th = await up.text.infer({ phoneme_ids: phonemes });
  if (module === 'acoustic_encoder') return { text_hidden: th.text_hidden!, ...cond };
  const ae = await up.acoustic.infer({ text_hidden: th.text_hidden!, ...cond });
  const d = durationsFromLog(ae.log_durations!.data as Float32Array, up.lengthRegulator);
  let fh = regulateLength(ae.adapted_hidden!, d);
  const max = limits.mel_len ?? fh.shape[1]!;
  if (fh.shape[1]! > max) fh = { ...fh, shape: [1, max, fh.shape[2]!], data: (fh.data as Float32Array).slice(0, max * fh.shape[2]!) };
  return { frame_hidden: fh, ...cond };
}

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
  } else if (!TEXT_SIDE.includes(module)) {
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
  upstream?: Upstream;
}): AsyncGenerator<{ clip: SpeechClip; feeds: TensorMap }> {
  let n = 0;
  for await (const clip of loadSpeech({ source: opts.source, split: opts.split, sampleRate: opts.mel.sample_rate })) {
    if (TEXT_SIDE.includes(opts.module)) {
      const feeds = await textSideInputs(opts.module, clip, opts.mel, opts.limits, opts.upstream!);
      if (feeds) {
        yield { clip, feeds };
        if (++n >= opts.maxClips) return;
      }
      continue;
    }
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
  mcdDb?: number;
}

/** Quality of a candidate (e.g. QDQ) model against fp32 on the same inputs. */
export async function measureQuality(module: string, fp32: OrtRunner, candidate: OrtRunner, inputs: TensorMap[]): Promise<Quality> {
  const snr: number[] = [];
  const lsd: number[] = [];
  const cos: number[] = [];
  const mcd: number[] = [];
  for (const feeds of inputs) {
    const [a, b] = await Promise.all([fp32.infer(feeds), candidate.infer(feeds)]);
    if (module === 'acoustic_decoder') {
      mcd.push(melCepstralDistortion(b.mel!.data as Float32Array, a.mel!.data as Float32Array, a.mel!.shape));
    } else if (module === 'vocoder') {
      const ref = a.waveform!.data as Float32Array;
      const out = b.waveform!.data as Float32Array;
      snr.push(snrDb(out, ref));
      lsd.push(logSpectralDistance(out, ref));
    } else {
      for (const k of Object.keys(a)) cos.push(cosineSimilarity(b[k]!.data as Float32Array, a[k]!.data as Float32Array));
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((p, q) => p + q, 0) / xs.length : undefined);
  return { cases: inputs.length, snrDb: mean(snr), lsdDb: mean(lsd), cosine: mean(cos), mcdDb: mean(mcd) };
}
