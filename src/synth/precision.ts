// Adapter: the ONNX file the CPU backend runs for each module, at the precision the profile gives it
// (or one precision for every module, e.g. `verify --precision fp16`): fp32 → the module's own file;
// fp16/bf16 → the strongly typed conversion emulated for ONNX Runtime's CPU; int8 → the calibrated Q/DQ
// model (src/precision/model.ts decides, caches and reports); an fp32 module may run rewritten for the
// CPU (src/optimize/cpu.ts: the same numbers in a faster form, written once). On the CUDA provider (runtime
// 'cuda') the strongly typed files run, their 1-D convolutions as matrix products (src/optimize/conv-matmul.ts
// says why: each one's taps taken with one Gather; EMOVOICE_CUDA_CONV=matmul takes them with a Slice each, =cudnn keeps ONNX Runtime's cuDNN convolutions). Real speech for the activation
// ranges is read only when a conversion has to run. The conversion and calibration code loads only then too
// (an all-FP32 model, the common case, never pays its resident memory: docs/performance-cpu.md).
import type { SpeechModuleInputs } from '../calibrate/speech-inputs.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { DEFAULT_SAMPLES, modulePrecision, type Precision } from '../precision/files.ts';
import { optimizedModel, type OptimizeTarget } from '../optimize/cpu.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { UserError } from '../core/errors.ts';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { calibrationFiles } from '../calibrate/store.ts';

export const PRECISIONS = ['fp32', 'fp16', 'bf16', 'int8'] as const;

export interface CpuModels {
  /** Module → the file to run (modules below fp32, and fp32 modules rewritten for the CPU; the rest run their own file). */
  files: Record<string, string>;
  /** Module → the precision it runs at. */
  precisions: Record<string, Precision>;
}

/**
 * The form the CUDA provider's convolutions run in, from EMOVOICE_CUDA_CONV: unset or `gather` the MatMul
 * form with one Gather for each convolution's taps (src/optimize/conv-matmul.ts; the fastest on an H100,
 * docs/gpu.md), `matmul` the same with a Slice per tap, `cudnn` the convolutions as exported (null: no
 * rewrite). Any other value is refused: a mistyped form would silently measure the default.
 */
export function cudaConvForm(value: string | undefined): OptimizeTarget | null {
  if (value === undefined || value === '' || value === 'gather') return 'cuda-gather';
  if (value === 'matmul') return 'cuda';
  if (value === 'cudnn') return null;
  throw new UserError(`EMOVOICE_CUDA_CONV=${value}: no such convolution form`, { hint: 'use gather (the default), matmul or cudnn, or unset it' });
}

/**
 * An INT8 module on ONNX Runtime's CPU runs in the integer form (src/optimize/int8-cpu.ts: its Convs as
 * QLinearConv, from the calibration's ranges), which is about twice as fast as FP32 there; the Q/DQ model
 * calibrate writes for TensorRT would run as float Convs between quantize/dequantize pairs, slower than
 * FP32. null (that Q/DQ model runs, as it always did) where the profile asks for FP16 elsewhere
 * (layer_fallback), or where no calibration cache is known (a Q/DQ model named without one beside it).
 */
async function int8OnCpu(loaded: LoadedProfile, manifest: ModelManifest, module: string): Promise<{ file: string; line: string } | null> {
  if (loaded.profile.modules?.[module]?.layer_fallback) return null; // FP16 around the Q/DQ model: a conversion
  const { int8Calibration, describeCalibration } = await import('../precision/calibration.ts');
  const c = await int8Calibration(loaded, manifest, module);
  // a profile that names only the Q/DQ model: the cache calibrate wrote beside it
  const beside = calibrationFiles(dirname(c.qdqModel), module).cache;
  const cache = c.cache ?? (existsSync(beside) ? beside : null);
  if (!cache) return null;
  const { int8CpuModel } = await import('../optimize/cpu.ts');
  const source = loaded.profile.modules?.[module]?.onnx ?? manifest.modules[module]!.file;
  const o = await int8CpuModel(source, cache, loaded.profile.output, module, { qdqModel: c.qdqModel });
  if (!o.rewritten.length) return null;
  return { file: o.file, line: `${describeCalibration(module, c)}, run in ONNX Runtime's integer form: ${o.rewritten.length} Conv as QLinearConv with the ranges of ${cache} (${o.file})` };
}

export async function cpuModels(loaded: LoadedProfile, manifest: ModelManifest, all?: Precision, opts: { modules?: string[]; log?: (msg: string) => void; samples?: number; runtime?: 'cpu' | 'trt' | 'cuda' } = {}): Promise<CpuModels> {
  const files: Record<string, string> = {};
  const precisions: Record<string, Precision> = {};
  const modules = opts.modules ?? Object.keys(manifest.modules);
  for (const module of modules) precisions[module] = all ?? modulePrecision(loaded.profile, module);
  // the speech set is named (hashed) for the conversion cache, and the conversion code loaded, only when a
  // module reaches a conversion (FP16/BF16, INT8 with FP16 around it): an INT8 module in the CPU's integer
  // form needs neither; the speech's pipeline opens only if a conversion runs
  let speech: SpeechModuleInputs | undefined;
  const openSpeech = async () => (speech ??= await (await import('../calibrate/speech-inputs.ts')).speechModuleInputs(manifest, { samples: opts.samples ?? DEFAULT_SAMPLES }));
  const runtime = opts.runtime === 'cuda' ? 'trt' : (opts.runtime ?? 'cpu'); // the CUDA provider runs what TensorRT would
  // the form a module's file is rewritten into for where it runs (src/optimize/cpu.ts): on the CPU an FP32
  // module's upsamplers as Conv; on the CUDA provider any float module's convolutions as MatMul
  const target: OptimizeTarget | null = opts.runtime === 'cuda' ? cudaConvForm(process.env.EMOVOICE_CUDA_CONV) : runtime === 'cpu' ? 'cpu' : null;
  const optimized = async (module: string, precision: Precision, source: string) => {
    if (!target || precision === 'int8' || (target === 'cpu' && precision !== 'fp32')) return source;
    const o = await optimizedModel(source, loaded.profile.output, target === 'cpu' ? module : `${module}.${precision}`, target);
    if (o.written) opts.log?.(target === 'cpu' ? `rewrote ${module} for the CPU (${o.rewritten.length} ConvTranspose as Conv): ${o.file}` : `rewrote ${module} (${precision}) for the CUDA provider (${o.rewritten.length} node(s): upsamplers as Conv, then every Conv as MatMul): ${o.file}`);
    return o.file;
  };
  try {
    for (const module of modules) {
      const precision = precisions[module]!;
      if (precision === 'fp32') {
        const source = loaded.profile.modules?.[module]?.onnx ?? manifest.modules[module]!.file;
        const file = await optimized(module, precision, source);
        if (file !== manifest.modules[module]!.file) files[module] = file; // a profile's own onnx runs too
        continue;
      }
      if (precision === 'int8' && target === 'cpu') {
        const int8 = await int8OnCpu(loaded, manifest, module);
        if (int8) {
          opts.log?.(int8.line);
          files[module] = int8.file;
          continue;
        }
      }
      const { precisionModel } = await import('../precision/model.ts');
      const inputs = await openSpeech();
      const r = await precisionModel({ profile: loaded, manifest, module, precision, runtime, inputs: (m) => inputs.inputs(m), inputsKey: inputs.key });
      if (r.calibration) opts.log?.((await import('../precision/calibration.ts')).describeCalibration(module, r.calibration));
      if (!r.cached) opts.log?.(`converted ${module} to ${precision} for the ${runtime === 'trt' ? 'GPU' : 'CPU'} backend: ${r.file}`);
      files[module] = await optimized(module, precision, r.file);
    }
  } finally {
    await speech?.close();
  }
  return { files, precisions };
}
