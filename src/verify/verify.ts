// Verification: run every module on every PyTorch reference case through a runner and compare each
// output with what PyTorch computed. Running is here; judging is compare/ (pure); printing is cli/.
import { basename } from 'node:path';
import { compareOutputs, type CompareResult, type OutputKind, type Tolerances } from '../compare/compare.ts';
import type { Runner } from '../runtime/runner.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import { resolveConditioning } from '../pipeline/conditioning.ts';
import type { Pipeline } from '../pipeline/executor.ts';
import type { E2eCase } from './e2e.ts';

export interface VerifyCase {
  module: string;
  case: string;
  file: string;
  /** Inputs and expected outputs, split by the model manifest's input/output names. */
  inputs: TensorMap;
  expected: TensorMap;
}

export interface CaseResult {
  module: string;
  case: string;
  pass: boolean;
  ms: number;
  outputs: CompareResult[];
  error?: string;
  /** What the case did beyond the plain comparison (a reduced-precision e2e case judged with PyTorch's durations). */
  note?: string;
}

/** Default tolerances by precision (overridden by the profile's `tolerances:`). */
export const DEFAULT_TOLERANCES: Record<string, Tolerances> = {
  fp32: { rel_l2: 1e-4, cosine_min: 0.99999 },
  // FP32 on the CUDA provider with TF32 on (src/runtime/backends.ts toleranceTier): operands rounded to a
  // 10-bit mantissa (unit roundoff 2^-11 ≈ 4.9e-4) in every matrix product and convolution. Measured on an
  // H200 (bench/results/h200-cuda-emotivoice-base): EmotiVoice base up to 1.69e-3 with TF32 and 3.9e-6 with
  // NVIDIA_TF32_OVERRIDE=0 on the same cuDNN algorithm search, so TF32 is the cause; 5e-3 is ~3× the worst seen
  tf32: { rel_l2: 5e-3, cosine_min: 0.9999 },
  fp16: { rel_l2: 1e-2, cosine_min: 0.9995, snr_db_min: 30, mcd_db_max: 0.5 },
  bf16: { rel_l2: 3e-2, cosine_min: 0.999, snr_db_min: 25, mcd_db_max: 1.0 },
  int8: { rel_l2: 0.1, cosine_min: 0.99, snr_db_min: 15, lsd_db_max: 3, mcd_db_max: 2.0 },
};

/**
 * A tier's tolerances: the defaults, then the profile's on top; a limit the profile sets to null is not
 * checked (an explicit choice, e.g. a metric that does not measure what the precision changes). Pure.
 */
export function profileTolerances(defaults: Tolerances | undefined, profile: Record<string, number | null> | undefined): Tolerances {
  const merged: Record<string, number | null | undefined> = { ...defaults, ...profile };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null && v !== undefined)) as Tolerances;
}

/** Split a reference npz into inputs and expected outputs by name. Pure. */
export function splitCase(all: TensorMap, inputNames: string[], outputNames: string[]): { inputs: TensorMap; expected: TensorMap } {
  const pick = (names: string[]) => Object.fromEntries(names.filter((n) => all[n]).map((n) => [n, all[n]!]));
  return { inputs: pick(inputNames), expected: pick(outputNames) };
}

/** `kinds`: output name → 'waveform' | 'mel' | 'generic' (the manifest's tensor kinds), which choose the metrics. */
/** `onOutputs`: sees what the runner produced next to what PyTorch did (an HTML report keeps audio from it). */
export async function verifyCase(runner: Runner, c: VerifyCase, tolerances: Tolerances, kinds: Record<string, OutputKind> = {}, onOutputs?: (outputs: TensorMap, expected: TensorMap) => void): Promise<CaseResult> {
  const t0 = performance.now();
  try {
    const outputs = await runner.infer(c.inputs, Object.keys(c.expected));
    const ms = performance.now() - t0;
    onOutputs?.(outputs, c.expected);
    const results = compareOutputs(outputs, c.expected, { tolerances, kinds });
    return { module: c.module, case: c.case, pass: results.every((r) => r.pass), ms, outputs: results };
  } catch (e) {
    return {
      module: c.module,
      case: c.case,
      pass: false,
      ms: performance.now() - t0,
      outputs: [],
      error: e instanceof Error ? e.message.split('\n')[0] : String(e),
    };
  }
}

export function caseName(file: string): string {
  return basename(file).replace(/\.npz$/, '');
}

/**
 * One end-to-end reference case through the pipeline: the same ids and conditioning PyTorch had, the audio
 * compared with PyTorch's (SNR, LSD). Audio of another length means a discrete decision moved: a duration
 * that rounds to another whole frame. At FP32 that fails, saying so. On a reduced-precision path
 * (`reduced`), where the log-durations carry that precision's error and one near a rounding edge may land
 * on the other side, the case fails only when a duration moved by more than one frame; otherwise the
 * audio is judged again with PyTorch's decisions pinned (the outputs of the host steps that made the moved
 * integers, from the reference), and the case says which durations moved.
 */
export async function verifyE2e(pipeline: Pipeline, c: E2eCase, tolerances: Tolerances, onAudio?: (got: Float32Array, expected: Float32Array) => void, o: { reduced?: boolean } = {}): Promise<CaseResult> {
  const t0 = performance.now();
  const module = 'e2e';
  const name = c.name.replace(/^e2e\//, '');
  const fail = (error: string): CaseResult => ({ module, case: name, pass: false, ms: performance.now() - t0, outputs: [], error });
  try {
    if (!c.ids) throw new Error(`${c.file} has no ${pipeline.model.manifest.frontend.output} (the frontend's ids)`);
    const conditioning = resolveConditioning(pipeline.model, c.conditioning);
    const request = { sentence: { text: c.text, ids: c.ids }, conditioning };
    let r = await pipeline.run(request);
    const out = pipeline.model.manifest.output;
    const expected = c.reference[out];
    if (!expected) throw new Error(`${c.file} has no ${out}`);
    let note: string | undefined;
    if (r.waveform.length !== expected.data.length) {
      const moved = `the audio is ${r.waveform.length} samples, PyTorch's ${expected.data.length}: the durations moved`;
      const decided = o.reduced ? movedDecisions(pipeline, r.intermediates, c.reference) : null;
      if (!decided) return fail(moved);
      if (decided.worst > 1) return fail(`${moved} (${decided.summary})`);
      r = await pipeline.run({ ...request, pin: decided.pin });
      if (r.waveform.length !== expected.data.length) return fail(`${moved}, and again with PyTorch's ${Object.keys(decided.pin).join(', ')} pinned`);
      note = `${decided.summary}: judged with PyTorch's ${Object.keys(decided.pin).join(', ')} pinned`;
    }
    const got = { [out]: { dtype: 'float32' as const, shape: expected.shape, data: r.waveform } };
    onAudio?.(r.waveform, expected.data instanceof Float32Array ? expected.data : Float32Array.from(expected.data as ArrayLike<number>));
    const results = compareOutputs(got, { [out]: expected }, { tolerances, kinds: { [out]: 'waveform' } });
    return { module, case: name, pass: results.every((x) => x.pass), ms: performance.now() - t0, outputs: results, ...(note && { note }) };
  } catch (e) {
    return fail(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
}

/**
 * The discrete decisions of a run that differ from PyTorch's: the integer tensors host steps made (a length
 * regulator's durations) that the reference also holds. `pin`: every output of those steps, from the
 * reference; `worst`: the largest difference of one element; null where no such tensor differs or the
 * reference lacks an output to pin.
 */
export function movedDecisions(pipeline: Pick<Pipeline, 'model'>, got: TensorMap, reference: TensorMap): { pin: TensorMap; worst: number; summary: string } | null {
  const pin: TensorMap = {};
  const parts: string[] = [];
  let worst = 0;
  for (const st of pipeline.model.manifest.graph) {
    if (st.module) continue;
    const moved = st.out.map(([, t]) => t).filter((t) => {
      const a = got[t];
      const b = reference[t];
      return a && b && (a.dtype === 'int32' || a.dtype === 'int64') && (a.data.length !== b.data.length || a.data.some((v, i) => Number(v) !== Number(b.data[i])));
    });
    if (!moved.length) continue;
    for (const [, t] of st.out) {
      if (!reference[t]) return null;
      pin[t] = reference[t]!;
    }
    for (const t of moved) {
      const a = got[t]!.data;
      const b = reference[t]!.data;
      if (a.length !== b.length) return null;
      let n = 0;
      let most = 0;
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(Number(a[i]) - Number(b[i]));
        if (d) n++;
        most = Math.max(most, d);
      }
      worst = Math.max(worst, most);
      parts.push(`${t}: ${n} of ${a.length} moved, by at most ${most}`);
    }
  }
  return Object.keys(pin).length ? { pin, worst, summary: parts.join('; ') } : null;
}
