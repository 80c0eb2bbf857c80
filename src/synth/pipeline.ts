// The end-to-end pipeline over runners: text frontend → style encoder → text encoder → acoustic
// encoder → host length regulation → acoustic decoder → vocoder. Written once against the Runner
// interface, so the ort and trt backends (and the fallback between them) share it. Speaker/emotion
// embeddings are cached by the reference audio's content hash, as the deployment advice recommends.
import { createHash } from 'node:crypto';
import { checkReferenceAudio } from '../audio/checks.ts';
import { logMel, transposeMel, type MelConfig } from '../audio/mel.ts';
import { resample } from '../audio/resample.ts';
import { UserError } from '../core/errors.ts';
import { FallbackRunner, type FallbackEvent, type TracedOutputs } from '../runtime/fallback.ts';
import type { Runner } from '../runtime/runner.ts';
import type { Tensor, TensorMap } from '../tensor/tensor.ts';
import { durationsFromLog, regulateLength, type LengthRegulatorConfig } from './length.ts';

export const MODULES = ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder'] as const;
export type ModuleName = (typeof MODULES)[number];

export interface SynthModel {
  sampleRate: number;
  mel: MelConfig;
  refSeconds: { min: number; max: number };
  lengthRegulator: LengthRegulatorConfig;
  /** Emotion label → fixed emotion embedding (float32 [emo_dim]). */
  emotions: Record<string, Float32Array>;
  maxTextLen: number;
  maxMelLen: number;
}

export interface ReferenceAudio {
  samples: Float32Array;
  sampleRate: number;
  /** Content hash of the file (or of the samples) for the embedding cache. */
  hash?: string;
  file?: string;
}

export interface StageTiming {
  stage: string;
  ms: number;
  /** Set when the module's CPU fallback answered this call, and why (see FallbackRunner). */
  fallback?: FallbackEvent['stage'];
  /** Set when the primary answered after the timeout because it could not be interrupted (see FallbackRunner). */
  overran?: true;
}

export interface SynthResult {
  waveform: Float32Array;
  sampleRate: number;
  stages: StageTiming[];
  totalMs: number;
  audioSeconds: number;
  rtf: number;
  phonemes: number;
  frames: number;
  cacheHit: boolean;
  warnings: string[];
  intermediates: TensorMap;
}

export interface Embeddings {
  speaker: Tensor;
  emotion: Tensor;
}

/** In-memory embedding cache keyed by reference content hash (the CLI adds a disk layer). */
export class EmbeddingCache {
  private readonly map = new Map<string, Embeddings>();
  get(key: string): Embeddings | undefined {
    return this.map.get(key);
  }
  set(key: string, e: Embeddings): void {
    this.map.set(key, e);
  }
}

export function hashSamples(samples: Float32Array, sampleRate: number): string {
  return createHash('sha256').update(String(sampleRate)).update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)).digest('hex');
}

export class Pipeline {
  constructor(
    readonly model: SynthModel,
    readonly runners: Record<ModuleName, Runner>,
    readonly cache = new EmbeddingCache(),
  ) {}

  private async timed<T>(stages: StageTiming[], stage: string, f: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    const r = await f();
    stages.push({ stage, ms: performance.now() - t0 });
    return r;
  }

  /** One module call, timed; a FallbackRunner also says whether its fallback answered. */
  private async run(stages: StageTiming[], module: ModuleName, feeds: TensorMap): Promise<TensorMap> {
    const runner = this.runners[module];
    const t0 = performance.now();
    const traced: TracedOutputs = runner instanceof FallbackRunner ? await runner.inferTraced(feeds) : { outputs: await runner.infer(feeds) };
    stages.push({ stage: module, ms: performance.now() - t0, ...(traced.fallback && { fallback: traced.fallback }), ...(traced.overran && { overran: true as const }) });
    return traced.outputs;
  }

  /** Reference audio → model-rate log-mel [1, frames, n_mels]; checks length, silence and clipping. */
  referenceMel(ref: ReferenceAudio, warnings: string[]): Tensor {
    const check = checkReferenceAudio({ samples: ref.samples, sampleRate: ref.sampleRate }, this.model.refSeconds, ref.file);
    warnings.push(...check.warnings);
    const x = ref.sampleRate === this.model.sampleRate ? ref.samples : resample(ref.samples, ref.sampleRate, this.model.sampleRate);
    const mel = transposeMel(logMel(x, this.model.mel));
    return { dtype: 'float32', shape: [1, ...mel.shape], data: mel.data };
  }

  async embeddings(ref: ReferenceAudio, warnings: string[], stages: StageTiming[]): Promise<{ e: Embeddings; hit: boolean }> {
    const key = ref.hash ?? hashSamples(ref.samples, ref.sampleRate);
    const cached = this.cache.get(key);
    if (cached) {
      stages.push({ stage: 'style_encoder (cached)', ms: 0 });
      return { e: cached, hit: true };
    }
    const refMel = await this.timed(stages, 'reference log-mel', () => this.referenceMel(ref, warnings));
    const out = await this.run(stages, 'style_encoder', { ref_mel: refMel });
    const e = { speaker: out.speaker_embedding!, emotion: out.emotion_embedding! };
    this.cache.set(key, e);
    return { e, hit: false };
  }

  async synthesize(opts: {
    phonemeIds: Int32Array;
    reference: ReferenceAudio;
    emotion?: string;
    emotionReference?: ReferenceAudio;
  }): Promise<SynthResult> {
    const stages: StageTiming[] = [];
    const warnings: string[] = [];
    const t0 = performance.now();
    const n = opts.phonemeIds.length;
    if (n === 0) throw new UserError('no phonemes to synthesize', { hint: 'give some text' });
    if (n > this.model.maxTextLen) {
      throw new UserError(`${n} phonemes exceed the limit of ${this.model.maxTextLen} per sentence`, {
        hint: 'split the text into shorter sentences (synthesizeText does this for you), or raise serving.max_text_len in the profile',
      });
    }
    const { e, hit } = await this.embeddings(opts.reference, warnings, stages);
    let emotion = e.emotion;
    if (opts.emotion) {
      const v = this.model.emotions[opts.emotion];
      if (!v) {
        throw new UserError(`unknown emotion "${opts.emotion}"`, { hint: `use one of: ${Object.keys(this.model.emotions).join(', ')}` });
      }
      emotion = { dtype: 'float32', shape: [1, v.length], data: v };
    } else if (opts.emotionReference) {
      emotion = (await this.embeddings(opts.emotionReference, warnings, stages)).e.emotion;
    }
    const phonemes: Tensor = { dtype: 'int32', shape: [1, n], data: opts.phonemeIds };
    const th = await this.run(stages, 'text_encoder', { phoneme_ids: phonemes });
    const cond = { speaker_embedding: e.speaker, emotion_embedding: emotion };
    const ae = await this.run(stages, 'acoustic_encoder', { text_hidden: th.text_hidden!, ...cond });
    const { durations, frameHidden } = await this.timed(stages, 'length regulation', () => {
      const durations = durationsFromLog(ae.log_durations!.data as Float32Array, this.model.lengthRegulator);
      return { durations, frameHidden: regulateLength(ae.adapted_hidden!, durations) };
    });
    const frames = frameHidden.shape[1]!;
    if (frames > this.model.maxMelLen) {
      throw new UserError(`the text needs ${frames} mel frames, over the profile's limit of ${this.model.maxMelLen}`, {
        hint: 'split the text into shorter sentences',
      });
    }
    const dec = await this.run(stages, 'acoustic_decoder', { frame_hidden: frameHidden, ...cond });
    const voc = await this.run(stages, 'vocoder', { mel: dec.mel! });
    const waveform = voc.waveform!.data as Float32Array;
    const totalMs = performance.now() - t0;
    const audioSeconds = waveform.length / this.model.sampleRate;
    return {
      waveform,
      sampleRate: this.model.sampleRate,
      stages,
      totalMs,
      audioSeconds,
      rtf: totalMs / 1000 / Math.max(audioSeconds, 1e-9),
      phonemes: n,
      frames,
      cacheHit: hit,
      warnings,
      intermediates: {
        phoneme_ids: phonemes,
        text_hidden: th.text_hidden!,
        ...cond,
        ...ae,
        durations: { dtype: 'int32', shape: [durations.length], data: durations },
        frame_hidden: frameHidden,
        mel: dec.mel!,
        waveform: voc.waveform!,
      },
    };
  }
}
