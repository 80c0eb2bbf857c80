// The backends a command can run on, and what each one means for ONNX Runtime: plain data and pure
// functions (no native addon, no files), shared by the CLI, the runner factory and doctor.
//   ort      ONNX Runtime on the CPU (everywhere; the fallback path)
//   cuda     ONNX Runtime's CUDA execution provider, in process: one session per module, made once
//   trt      ONNX Runtime's TensorRT execution provider, in process, over the EPContext model `build`
//            writes beside each engine: the engine `build` made is what runs
//   trtexec  one trtexec process per module per call (--loadEngine): a debugging path, never a server's
import { UserError } from '../core/errors.ts';

export const BACKENDS = ['ort', 'cuda', 'trt', 'trtexec'] as const;
export type Backend = (typeof BACKENDS)[number];

/** An ONNX Runtime execution provider name as onnxruntime-node takes it. */
export type Provider = 'cpu' | 'cuda' | 'tensorrt';

/** The execution providers a backend's sessions ask for, in order (the CPU is appended last by sessionOptions). */
export function providersFor(backend: Backend): Provider[] {
  if (backend === 'cuda') return ['cuda'];
  if (backend === 'trt') return ['tensorrt'];
  return ['cpu'];
}

/** Backends whose modules run on a GPU (and so want GPU tolerances, GPU precision files and a CPU fallback). */
export function onGpu(backend: Backend): boolean {
  return backend !== 'ort';
}

/** The backend to run: `flag` if given, else the profile's, else ort; anything else is one user error. */
export function parseBackend(flag: string | undefined, profileBackend: string | undefined): Backend {
  const b = flag ?? profileBackend ?? 'ort';
  if (!(BACKENDS as readonly string[]).includes(b)) {
    throw new UserError(`--backend: unknown backend "${b}"`, { hint: `use ${BACKENDS.join(', ')} (trtexec: one process per call, for debugging)` });
  }
  return b as Backend;
}

/** Backends that run built engines (and so take no --precision: an engine runs at the precision it was built with). */
export function onEngines(backend: Backend): boolean {
  return backend === 'trt' || backend === 'trtexec';
}

/**
 * The tolerance tier a module is verified at. FP32 on the CUDA provider is not IEEE FP32 on Ampere and
 * newer: ONNX Runtime's CUDA provider leaves TF32 on (its `use_tf32` option defaults to 1, and from
 * JavaScript no provider option but the device id reaches it), so cuBLAS and cuDNN round the operands of
 * every matrix product and convolution to TF32's 10-bit mantissa. Those modules are verified at the
 * `tf32` tier; with NVIDIA_TF32_OVERRIDE=0 in the environment (which turns TF32 off in cuBLAS and cuDNN)
 * they are plain FP32 again and verified at `fp32`.
 */
export function toleranceTier(backend: Backend, precision: string, env: Record<string, string | undefined> = process.env): string {
  if (backend === 'cuda' && precision === 'fp32' && env.NVIDIA_TF32_OVERRIDE !== '0') return 'tf32';
  return precision;
}
