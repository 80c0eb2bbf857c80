// The model manifest (docs/model-manifest.md): everything the toolchain knows about a model.
// Loads and checks it, resolving files relative to the manifest; errors point at file:line:col.
import { dirname, resolve } from 'node:path';
import { UserError, UserErrors } from '../core/errors.ts';
import { readYaml } from '../core/yaml.ts';

export interface TensorSpec {
  dtype: string;
  dims: (number | string)[];
  meaning?: string;
}

export interface ModuleSpec {
  file: string;
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
}

export interface ModelManifest {
  path: string;
  dir: string;
  name: string;
  config: string;
  audio: {
    sample_rate: number;
    mel: Record<string, unknown>;
    ref_seconds: { min: number; max: number };
  };
  lengthRegulator: { maxFramesPerPhoneme: number; minFrames: number };
  symbols: string[];
  emotions: { labels: string[]; file: string | null };
  modules: Record<string, ModuleSpec>;
  references: { dir: string; cases: string[] };
  limits: Record<string, number>;
}

export const FORMAT = 'emovoice-model-manifest/1';

/**
 * Phonemes per sentence as served: the profile's serving.max_text_len, else the model's own limit.
 * synth, bench and the Triton orchestrator all split text at this one number.
 */
export function servedTextLen(serving: { max_text_len?: number } | undefined, manifest: Pick<ModelManifest, 'limits'>): number {
  return serving?.max_text_len ?? manifest.limits.text_len ?? 256;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function loadModelManifest(path: string): Promise<ModelManifest> {
  const src = await readYaml(path);
  const d = (src.data ?? {}) as any;
  const errors: UserError[] = [];
  const need = (keys: (string | number)[], ok: boolean, what: string, hint: string) => {
    if (!ok) errors.push(new UserError(what, { place: src.locate(keys), hint }));
  };
  need(['format'], d.format === FORMAT, `format must be "${FORMAT}", got ${JSON.stringify(d.format)}`, `start the manifest with format: ${FORMAT}`);
  need(['audio', 'sample_rate'], Number.isInteger(d.audio?.sample_rate) && d.audio.sample_rate > 0, 'audio.sample_rate must be a positive integer', 'e.g. 16000');
  need(['audio', 'mel'], typeof d.audio?.mel === 'object', 'audio.mel is missing', 'give n_fft, hop, win_length, n_mels, fmin, fmax, log_base, clamp_min');
  need(['symbols'], Array.isArray(d.symbols) && d.symbols.length > 0 && d.symbols.every((s: unknown) => typeof s === 'string'), 'symbols must be a non-empty list of strings', 'list the phoneme symbols; index = id');
  need(['modules'], typeof d.modules === 'object' && d.modules !== null, 'modules is missing', 'describe each module: file, inputs, outputs');
  const dir = dirname(resolve(path));
  const modules: Record<string, ModuleSpec> = {};
  for (const [name, m] of Object.entries((d.modules ?? {}) as Record<string, any>)) {
    need(['modules', name, 'file'], typeof m?.file === 'string', `modules.${name}.file is missing`, 'give the ONNX file name, relative to the manifest');
    for (const side of ['inputs', 'outputs'] as const) {
      need(['modules', name, side], typeof m?.[side] === 'object' && m[side] !== null, `modules.${name}.${side} is missing`, 'map each tensor name to {dtype, dims}');
      for (const [t, spec] of Object.entries((m?.[side] ?? {}) as Record<string, any>)) {
        need(['modules', name, side, t], typeof spec?.dtype === 'string' && Array.isArray(spec?.dims), `modules.${name}.${side}.${t} needs dtype and dims`, 'e.g. { dtype: float32, dims: [batch, text_len, 256] }');
      }
    }
    if (m?.file) modules[name] = { file: resolve(dir, m.file), inputs: m.inputs ?? {}, outputs: m.outputs ?? {} };
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
  const lr = d.length_regulator ?? {};
  return {
    path: resolve(path),
    dir,
    name: String(d.name ?? ''),
    config: String(d.config ?? ''),
    audio: { sample_rate: d.audio.sample_rate, mel: d.audio.mel, ref_seconds: d.audio.ref_seconds ?? { min: 3, max: 10 } },
    lengthRegulator: { maxFramesPerPhoneme: lr.max_frames_per_phoneme ?? 50, minFrames: lr.min_frames ?? 1 },
    symbols: d.symbols,
    emotions: { labels: d.emotions?.labels ?? [], file: d.emotions?.file ? resolve(dir, d.emotions.file) : null },
    modules,
    references: { dir: resolve(dir, d.references?.dir ?? 'refs'), cases: d.references?.cases ?? [] },
    limits: d.limits ?? {},
  };
}
