// Calibration of one module on real speech: real module inputs → fp32 ONNX Runtime run with every
// intermediate exposed → streaming statistics → ranges → TensorRT calibration cache + QDQ model →
// quality on held-out speech. Which inputs are "real" comes from the manifest, whatever the family:
//   - a module whose inputs are all log-mels (`kind: mel`) takes the log-mel of real recordings,
//     chunked to the model's limits (a vocoder; a style encoder over reference audio);
//   - any other module gets its inputs by running the declared upstream stages (fp32) on the
//     recordings' transcripts, with the recording itself as the reference audio where the model
//     takes one (text encoders, acoustic models, a VITS vocoder's latents).
import { logMel, melConfigFromManifest, type MelConfig } from '../audio/mel.ts';
import { UserError } from '../core/errors.ts';
import { cosineSimilarity, logSpectralDistance, melCepstralDistortion, snrDb } from '../compare/metrics.ts';
import type { ModelManifest, TensorSpec } from '../model/manifest.ts';
import { resolveConditioning, type RequestConditioning } from '../pipeline/conditioning.ts';
import { Pipeline } from '../pipeline/executor.ts';
import { openModel } from '../pipeline/model.ts';
import { makeRunners } from '../synth/runners.ts';
import type { Runner } from '../runtime/runner.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import { loadSpeech, type SpeechClip } from './speech.ts';

export type DataMode = 'speech' | 'pipeline';

/** How a module's real inputs are made: straight from recordings (every input a log-mel), or through the graph. */
export function dataMode(m: Pick<ModelManifest, 'modules'>, module: string): DataMode {
  const inputs = Object.values(m.modules[module]!.inputs);
  return inputs.length > 0 && inputs.every((t) => t.kind === 'mel') ? 'speech' : 'pipeline';
}

/** Where in a mel tensor's dims the mel bands and the time axis are ([batch, n_mels, T] or [batch, T, n_mels]). */
export function melLayout(spec: TensorSpec, nMels: number): { melAxis: number; timeAxis: number; timeDim: string | number } {
  const melAxis = spec.dims.findIndex((d) => d === nMels);
  const timeAxis = spec.dims.findIndex((d, i) => i > 0 && i !== melAxis);
  if (melAxis < 1 || timeAxis < 1 || spec.dims.length !== 3) {
    throw new UserError(`a mel input must be [batch, ${nMels}, frames] or [batch, frames, ${nMels}], got [${spec.dims.join(', ')}]`, { hint: 'fix the dims in the manifest, or drop kind: mel' });
  }
  return { melAxis, timeAxis, timeDim: spec.dims[timeAxis]! };
}

/** One clip → the module's mel inputs, in windows of at most the time dim's limit (shorter than minFrames dropped). Pure. */
export function melWindows(name: string, spec: TensorSpec, samples: Float32Array, mel: MelConfig, limits: Record<string, number>, minFrames = 16): TensorMap[] {
  const m = logMel(samples, mel); // [n_mels, frames]
  const [nMels, frames] = m.shape as [number, number];
  const { melAxis, timeDim } = melLayout(spec, nMels);
  const max = (typeof timeDim === 'string' ? limits[timeDim] : timeDim) ?? frames;
  const src = m.data as Float32Array;
  const out: TensorMap[] = [];
  for (let s = 0; s < frames; s += max) {
    const len = Math.min(max, frames - s);
    if (len < minFrames) break;
    const d = new Float32Array(nMels * len);
    if (melAxis === 1) for (let b = 0; b < nMels; b++) d.set(src.subarray(b * frames + s, b * frames + s + len), b * len);
    else for (let t = 0; t < len; t++) for (let b = 0; b < nMels; b++) d[t * nMels + b] = src[b * frames + s + t]!;
    out.push({ [name]: { dtype: 'float32', shape: melAxis === 1 ? [1, nMels, len] : [1, len, nMels], data: d } });
  }
  return out;
}

/** A clip as the request the graph needs: the clip is the audio of every required audio source. */
export function clipRequest(m: Pick<ModelManifest, 'conditioning' | 'path'>, clip: SpeechClip): RequestConditioning {
  const given: RequestConditioning = {};
  for (const c of Object.values(m.conditioning)) {
    if (!c.required) continue;
    if (c.kind === 'audio') {
      const max = Math.floor(c.seconds!.max * clip.sampleRate);
      given[c.flag] = { samples: clip.samples.length > max ? clip.samples.subarray(0, max) : clip.samples, sampleRate: clip.sampleRate, file: clip.file };
    } else if (c.default === undefined) {
      throw new UserError(`calibration runs the graph on recordings, and this model needs --${c.flag}, which has no default`, { place: { file: m.path, path: `conditioning.${c.name}` }, hint: `give conditioning.${c.name} a default: in the manifest` });
    }
  }
  return given;
}

/** The model's own FP32 graph on ONNX Runtime, for deriving modules' real inputs; close() releases it. */
export async function fp32Pipeline(manifest: ModelManifest, serving?: { max_text_len?: number }, backend: 'ort' | 'cuda' = 'ort'): Promise<Pipeline & { close(): Promise<void> }> {
  // on cuda: the CUDA provider, no CPU fallback (a reference that silently moved to the CPU would hide it)
  const runners = makeRunners(manifest, backend, { fallback: 'never' });
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const p = new Pipeline(await openModel(manifest, serving), runners);
  return Object.assign(p, { close: async () => void (await Promise.all([...Object.values(runners).map((r) => r.close()), p.model.close()])) });
}

export interface InputSource {
  manifest: ModelManifest;
  module: string;
  /** Speech manifest or folder of WAVs. */
  source: string;
  split: 'calibration' | 'heldout';
  mel?: MelConfig;
  maxInputs: number;
  /** fp32 pipeline for 'pipeline' mode (its runners: the manifest's own ONNX files). */
  pipeline?: Pipeline;
}

export async function* calibrationInputs(o: InputSource): AsyncGenerator<{ clip: SpeechClip; feeds: TensorMap }> {
  const mode = dataMode(o.manifest, o.module);
  const mod = o.manifest.modules[o.module]!;
  const stage = o.manifest.graph.find((s) => s.module === o.module);
  if (mode === 'pipeline' && (!o.pipeline || !stage)) throw new UserError(`module ${o.module} is not run by the graph, so its inputs cannot be derived`, { place: { file: o.manifest.path, path: 'graph' } });
  let n = 0;
  for await (const clip of loadSpeech({ source: o.source, split: o.split, sampleRate: o.manifest.audio.sample_rate })) {
    if (mode === 'speech') {
      const [name, spec] = Object.entries(mod.inputs)[0]!;
      for (const feeds of melWindows(name, spec, clip.samples, o.mel!, o.manifest.limits, 32)) {
        yield { clip, feeds };
        if (++n >= o.maxInputs) return;
      }
      continue;
    }
    if (!clip.transcript) continue;
    const feeds = await pipelineInputs(o.pipeline!, stage!.id, clip);
    if (!feeds) continue;
    yield { clip, feeds };
    if (++n >= o.maxInputs) return;
  }
}

/** The stage's inputs for a clip's transcript (first sentence), or null when the clip cannot be used. */
async function pipelineInputs(pipeline: Pipeline, stageId: string, clip: SpeechClip): Promise<TensorMap | null> {
  const model = pipeline.model;
  try {
    const conditioning = resolveConditioning(model, clipRequest(model.manifest, clip));
    const fe = await model.frontend.toIds(clip.transcript!, { limit: model.maxTextLen });
    if (!fe.sentences.length) return null;
    return await pipeline.inputsOf(stageId, { sentence: fe.sentences[0]!, conditioning });
  } catch (e) {
    // a transcript the frontend cannot read (zhuyin keys), a clip shorter than the reference minimum,
    // a sentence over the frame limit: not usable as calibration data, skipped
    if (e instanceof UserError) return null;
    throw e;
  }
}

export interface Quality {
  cases: number;
  snrDb?: number;
  lsdDb?: number;
  cosine?: number;
  mcdDb?: number;
}

/**
 * The log-mel that mel-cepstral distortion of waveforms is measured on: the model's own `audio.mel` where it
 * declares one, else the usual TTS analysis at its rate (1024-point FFT, hop 256, 80 bands up to 8 kHz).
 */
export function mcdMelConfig(audio: ModelManifest['audio']): MelConfig {
  const sr = audio.sample_rate;
  const mel = audio.mel ?? { n_fft: 1024, hop: 256, win_length: 1024, n_mels: 80, fmin: 0, fmax: Math.min(8000, sr / 2) };
  return melConfigFromManifest({ sample_rate: sr, mel });
}

/**
 * Quality of a candidate (e.g. QDQ) model against fp32 on the same inputs, by each output's kind; waveforms
 * also get MCD (on their log-mels) when `waveformMel` is given.
 */
export async function measureQuality(kinds: Record<string, TensorSpec['kind']>, fp32: Runner, candidate: Runner, inputs: TensorMap[], waveformMel?: MelConfig): Promise<Quality> {
  const snr: number[] = [];
  const lsd: number[] = [];
  const cos: number[] = [];
  const mcd: number[] = [];
  for (const feeds of inputs) {
    const [a, b] = await Promise.all([fp32.infer(feeds), candidate.infer(feeds)]);
    for (const k of Object.keys(a)) {
      const ref = a[k]!.data as Float32Array;
      const out = b[k]!.data as Float32Array;
      if (kinds[k] === 'mel') mcd.push(melCepstralDistortion(out, ref, a[k]!.shape));
      else if (kinds[k] === 'waveform') {
        snr.push(snrDb(out, ref));
        lsd.push(logSpectralDistance(out, ref));
        if (waveformMel) {
          const [mo, mr] = [logMel(out, waveformMel), logMel(ref, waveformMel)];
          mcd.push(melCepstralDistortion(mo.data as Float32Array, mr.data as Float32Array, mr.shape));
        }
      } else cos.push(cosineSimilarity(out, ref));
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((p, q) => p + q, 0) / xs.length : undefined);
  return { cases: inputs.length, snrDb: mean(snr), lsdDb: mean(lsd), cosine: mean(cos), mcdDb: mean(mcd) };
}

/** One number where higher is better, for ranking layers by sensitivity. */
export function qualityScore(q: Quality): number {
  return q.snrDb ?? (q.mcdDb !== undefined ? -q.mcdDb : q.cosine !== undefined ? -10 * Math.log10(Math.max(1e-12, 1 - q.cosine)) : 0);
}

/** The quality line of a report, by what was measured. */
export function qualityText(q: Quality, f: (v: number | undefined, d?: number) => string): string {
  const parts: string[] = [];
  if (q.snrDb !== undefined) parts.push(`SNR ${f(q.snrDb)} dB, LSD ${f(q.lsdDb, 3)} dB`);
  if (q.mcdDb !== undefined) parts.push(`mel-cepstral distortion ${f(q.mcdDb, 3)} dB`);
  if (q.cosine !== undefined) parts.push(`cosine ${f(q.cosine, 6)}`);
  return parts.join(', ') || '-';
}
