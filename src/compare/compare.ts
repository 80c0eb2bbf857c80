// Compare a runner's outputs against reference tensors, output by output, under tolerances.
// Pure (Polygraphy's comparator idea): runners produce TensorMaps, this produces results, reporters print them.
// Never throws for bad data: a missing output, a shape or dtype mismatch or NaNs are failed checks.
//
// dtype rule: float16/float32/float64 compare with each other (fp16 engines are expected; fp16 is
// widened to float32 first), integer widths with each other, bool with bool; other pairs fail 'dtype'.
// Outputs present in `outputs` but not in `reference` are ignored (a runner may expose more).
// Kinds: 'waveform' = last dim is time (others are separate signals) and adds lsd_db;
//        'mel' = [..., n_mels, frames] natural-log mel and adds mcd_db; 'generic' = elementwise only.
import { float16ArrayToFloat32 } from '../tensor/float16.ts';
import type { DType, Tensor, TensorMap } from '../tensor/tensor.ts';
import type { StftConfig } from '../audio/stft.ts';
import {
  DEFAULT_LSD_STFT,
  elementwise,
  logSpectralDistance,
  melCepstralDistortion,
  type ElementwiseMetrics,
  type Numeric,
} from './metrics.ts';

export type OutputKind = 'waveform' | 'mel' | 'generic';

export interface Tolerances {
  max_abs?: number;
  mean_abs?: number;
  rel_l2?: number;
  cosine_min?: number;
  snr_db_min?: number;
  lsd_db_max?: number;
  mcd_db_max?: number;
}

export interface CompareSpec {
  tolerances: Tolerances;
  /** Kind per output name; unnamed outputs are 'generic'. */
  kinds?: Record<string, OutputKind>;
  /** Per-output tolerances, merged over `tolerances`. */
  overrides?: Record<string, Tolerances>;
  /** STFT for lsd_db (default n_fft 1024, hop 256, win 1024). */
  stft?: StftConfig;
  /** Cepstral order and log base for mcd_db. */
  mcd?: { order?: number; logBase?: 'e' | '10' };
}

export interface Metrics extends ElementwiseMetrics {
  lsd_db?: number;
  mcd_db?: number;
}

/** Check names: the tolerance keys, plus 'missing', 'shape', 'dtype', 'non_finite'. */
export type Check = keyof Tolerances | 'missing' | 'shape' | 'dtype' | 'non_finite';

export interface CompareResult {
  name: string;
  kind: OutputKind;
  pass: boolean;
  failed: Check[];
  /** Absent when the tensors could not be compared (missing, shape, dtype). */
  metrics?: Metrics;
  /** Human-readable detail for structural failures. */
  detail?: string;
  output?: { dtype: DType; shape: number[] };
  reference: { dtype: DType; shape: number[] };
  tolerances: Tolerances;
}

type Family = 'float' | 'int' | 'bool';
const FAMILY: Record<DType, Family> = {
  float16: 'float',
  float32: 'float',
  float64: 'float',
  int8: 'int',
  uint8: 'int',
  int32: 'int',
  int64: 'int',
  // Stryker: equivalent ('') — families are only compared with each other, and '' differs from 'float' and 'int' too.
  bool: 'bool',
};

/** Tensor data as float32/float64 numbers (fp16 widened, integers converted). */
export function toNumeric(t: Tensor): Numeric {
  switch (t.dtype) {
    // Stryker: equivalent (either float case dropped) — the default copies the same values into a Float64Array.
    case 'float32':
      return t.data as Float32Array;
    case 'float64': // Stryker: equivalent — without this case the default copies the same values.
      return t.data as Float64Array;
    case 'float16':
      return float16ArrayToFloat32(t.data as Uint16Array);
    case 'int64': {
      const src = t.data as BigInt64Array;
      const out = new Float64Array(src.length);
      // Stryker: equivalent (i <= length) — the extra write lands outside `out`.
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
      return out;
    }
    default:
      return Float64Array.from(t.data as Int32Array);
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeText(s: number[]): string {
  return `[${s.join(', ')}]`;
}

export function compareOutputs(outputs: TensorMap, reference: TensorMap, spec: CompareSpec): CompareResult[] {
  const results: CompareResult[] = [];
  for (const [name, ref] of Object.entries(reference)) {
    const kind = spec.kinds?.[name] ?? 'generic';
    const tolerances = { ...spec.tolerances, ...spec.overrides?.[name] };
    const base = { name, kind, reference: { dtype: ref.dtype, shape: ref.shape }, tolerances };
    const out = outputs[name];
    if (!out) {
      results.push({ ...base, pass: false, failed: ['missing'], detail: `no output named ${name}` });
      continue;
    }
    const output = { dtype: out.dtype, shape: out.shape };
    if (!sameShape(out.shape, ref.shape)) {
      results.push({
        ...base,
        output,
        pass: false,
        failed: ['shape'],
        detail: `shape ${shapeText(out.shape)}, reference ${shapeText(ref.shape)}`,
      });
      continue;
    }
    if (FAMILY[out.dtype] !== FAMILY[ref.dtype]) {
      results.push({ ...base, output, pass: false, failed: ['dtype'], detail: `dtype ${out.dtype}, reference ${ref.dtype}` });
      continue;
    }
    const a = toNumeric(out);
    const b = toNumeric(ref);
    const metrics: Metrics = elementwise(a, b);
    if (kind === 'waveform') metrics.lsd_db = waveformLsd(a, b, ref.shape, spec.stft ?? DEFAULT_LSD_STFT);
    // Stryker: equivalent (rank check dropped) — for rank 1, shape[-1] is undefined and undefined >= 2 is false.
    if (kind === 'mel' && ref.shape.length >= 2 && ref.shape[ref.shape.length - 2]! >= 2) {
      metrics.mcd_db = melCepstralDistortion(a, b, ref.shape, spec.mcd);
    }
    const failed = checkTolerances(metrics, tolerances);
    results.push({ ...base, output, pass: failed.length === 0, failed, metrics });
  }
  return results;
}

function waveformLsd(a: Numeric, b: Numeric, shape: number[], stft: StftConfig): number | undefined {
  const len = shape.length ? shape[shape.length - 1]! : 1;
  if (len < stft.n_fft) return undefined; // too short for one frame: LSD is not defined
  const signals = a.length / len;
  let total = 0;
  for (let s = 0; s < signals; s++) {
    const sa = Float32Array.from(a.subarray(s * len, (s + 1) * len));
    const sb = Float32Array.from(b.subarray(s * len, (s + 1) * len));
    total += logSpectralDistance(sa, sb, stft);
  }
  return total / signals;
}

/** Which tolerances `m` breaks. NaN metrics break every check they take part in. */
export function checkTolerances(m: Metrics, t: Tolerances): Check[] {
  const failed: Check[] = [];
  if (m.non_finite > 0) failed.push('non_finite');
  const le = (v: number | undefined, lim: number | undefined) => lim === undefined || v === undefined || v <= lim;
  // Stryker: equivalent (v === undefined dropped in ge) — ge reads cosine and snr_db, which elementwise() always sets.
  const ge = (v: number | undefined, lim: number | undefined) => lim === undefined || v === undefined || v >= lim;
  if (!le(m.max_abs, t.max_abs)) failed.push('max_abs');
  if (!le(m.mean_abs, t.mean_abs)) failed.push('mean_abs');
  if (!le(m.rel_l2, t.rel_l2)) failed.push('rel_l2');
  if (!ge(m.cosine, t.cosine_min)) failed.push('cosine_min');
  if (!ge(m.snr_db, t.snr_db_min)) failed.push('snr_db_min');
  if (!le(m.lsd_db, t.lsd_db_max)) failed.push('lsd_db_max');
  if (!le(m.mcd_db, t.mcd_db_max)) failed.push('mcd_db_max');
  return failed;
}
