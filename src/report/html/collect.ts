// What a verify or calibrate run keeps for its HTML report while it runs: module outputs that are audio
// (waveforms: players and spectrograms; mels: spectrograms), the end-to-end audio next to PyTorch's, and
// every sentence the recogniser heard, by path. Only runs given --html collect. Pure bookkeeping.
import type { MelConfig } from '../../audio/mel.ts';
import type { SpeakingPath } from '../../asr/check.ts';
import type { OutputKind } from '../../compare/compare.ts';
import { float16ArrayToFloat32 } from '../../tensor/float16.ts';
import type { Tensor, TensorMap } from '../../tensor/tensor.ts';
import type { Clip } from './media.ts';
import type { AudioCase, ReportMedia } from './types.ts';

function floats(t: Tensor): Float32Array {
  if (t.dtype === 'float16') return float16ArrayToFloat32(t.data as Uint16Array);
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
}

const FLOATS = new Set(['float32', 'float16', 'float64']);

export class MediaCollector implements ReportMedia {
  readonly cases: AudioCase[] = [];
  readonly sentences: Record<string, Clip[]> = {};
  constructor(
    readonly sampleRate: number,
    readonly mel: MelConfig,
  ) {}

  /** A module case's outputs: each waveform (reference and engine audio) or mel (two images) becomes an audio case. */
  moduleCase(module: string, name: string, kinds: Record<string, OutputKind | undefined>, outputs: TensorMap, expected: TensorMap, engineLabel: string, referenceLabel = 'PyTorch reference'): AudioCase[] {
    const made: AudioCase[] = [];
    for (const [k, ref] of Object.entries(expected)) {
      const got = outputs[k];
      if (!got || !FLOATS.has(got.dtype) || !FLOATS.has(ref.dtype)) continue;
      const key = `${module}/${name}`;
      if (kinds[k] === 'waveform') {
        made.push({ key, title: `${key}: ${k}`, mel: this.mel, clips: [this.clip(referenceLabel, floats(ref)), this.clip(engineLabel, floats(got))] });
      } else if (kinds[k] === 'mel' && ref.shape.length >= 2) {
        const [mels, frames] = ref.shape.slice(-2) as [number, number];
        const gf = got.shape.slice(-2) as [number, number];
        // one item of the batch: the first [n_mels, frames] plane
        made.push({
          key,
          title: `${key}: ${k} (log-mel output)`,
          clips: [],
          mels: { reference: { mels, frames, data: floats(ref).subarray(0, mels * frames) }, engine: { mels: gf[0], frames: gf[1], data: floats(got).subarray(0, gf[0] * gf[1]) } },
        });
      }
    }
    this.cases.push(...made);
    return made;
  }

  /** An end-to-end case: PyTorch's audio and the pipeline's for the same request. */
  e2eCase(name: string, got: Float32Array, reference: Float32Array, engineLabel: string): void {
    this.cases.push({ key: `e2e/${name}`, title: `e2e/${name}: end-to-end audio`, mel: this.mel, clips: [this.clip('PyTorch reference', reference), this.clip(engineLabel, got)] });
  }

  /** Clips of any other case (calibrate's held-out inputs): reference first, the path checked second. */
  add(key: string, title: string, clips: Clip[]): void {
    this.cases.push({ key, title, mel: this.mel, clips });
  }

  /** The same path, keeping each sentence it speaks for the report. */
  recordPath(path: SpeakingPath): SpeakingPath {
    return {
      label: path.label,
      synthesize: async (text) => {
        const a = await path.synthesize(text);
        (this.sentences[text] ??= []).push({ label: path.label, samples: a.samples, sampleRate: a.sampleRate });
        return a;
      },
    };
  }

  clip(label: string, samples: Float32Array, sampleRate = this.sampleRate): Clip {
    return { label, samples, sampleRate };
  }
}
