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
 * compared with PyTorch's (SNR, LSD). Audio of another length (durations that moved) fails, saying so.
 */
export async function verifyE2e(pipeline: Pipeline, c: E2eCase, tolerances: Tolerances, onAudio?: (got: Float32Array, expected: Float32Array) => void): Promise<CaseResult> {
  const t0 = performance.now();
  const module = 'e2e';
  const name = c.name.replace(/^e2e\//, '');
  try {
    if (!c.ids) throw new Error(`${c.file} has no ${pipeline.model.manifest.frontend.output} (the frontend's ids)`);
    const conditioning = resolveConditioning(pipeline.model, c.conditioning);
    const r = await pipeline.run({ sentence: { text: c.text, ids: c.ids }, conditioning });
    const out = pipeline.model.manifest.output;
    const expected = c.reference[out];
    if (!expected) throw new Error(`${c.file} has no ${out}`);
    const got = { [out]: { dtype: 'float32' as const, shape: expected.shape, data: r.waveform } };
    onAudio?.(r.waveform, expected.data instanceof Float32Array ? expected.data : Float32Array.from(expected.data as ArrayLike<number>));
    if (r.waveform.length !== expected.data.length) {
      return { module, case: name, pass: false, ms: performance.now() - t0, outputs: [], error: `the audio is ${r.waveform.length} samples, PyTorch's ${expected.data.length}: the durations moved` };
    }
    const results = compareOutputs(got, { [out]: expected }, { tolerances, kinds: { [out]: 'waveform' } });
    return { module, case: name, pass: results.every((x) => x.pass), ms: performance.now() - t0, outputs: results };
  } catch (e) {
    return { module, case: name, pass: false, ms: performance.now() - t0, outputs: [], error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}
