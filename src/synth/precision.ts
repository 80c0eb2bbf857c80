// Adapter: the ONNX file the CPU backend runs for each module, at the precision the profile gives it
// (or one precision for every module, e.g. `verify --precision fp16`): fp32 → the module's own file;
// fp16/bf16 → the strongly typed conversion emulated for ONNX Runtime's CPU; int8 → the calibrated Q/DQ
// model (src/precision/model.ts decides, caches and reports); an fp32 module may run rewritten for the
// CPU (src/optimize/cpu.ts: the same numbers in a faster form, written once). Real speech for the activation ranges is
// read only when a conversion has to run.
import { speechModuleInputs, type SpeechModuleInputs } from '../calibrate/speech-inputs.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { DEFAULT_SAMPLES, type Precision } from '../precision/files.ts';
import { describeCalibration } from '../precision/calibration.ts';
import { precisionModel, precisionSettings } from '../precision/model.ts';
import { cpuOptimizedModel } from '../optimize/cpu.ts';
import type { LoadedProfile } from '../profile/load.ts';

export const PRECISIONS = ['fp32', 'fp16', 'bf16', 'int8'] as const;

export interface CpuModels {
  /** Module → the file to run (modules below fp32, and fp32 modules rewritten for the CPU; the rest run their own file). */
  files: Record<string, string>;
  /** Module → the precision it runs at. */
  precisions: Record<string, Precision>;
}

export async function cpuModels(loaded: LoadedProfile, manifest: ModelManifest, all?: Precision, opts: { modules?: string[]; log?: (msg: string) => void; samples?: number; runtime?: 'cpu' | 'trt' } = {}): Promise<CpuModels> {
  const files: Record<string, string> = {};
  const precisions: Record<string, Precision> = {};
  const modules = opts.modules ?? Object.keys(manifest.modules);
  for (const module of modules) precisions[module] = all ?? precisionSettings(loaded.profile, module).precision;
  // the speech set is named (hashed) for the conversion cache; its pipeline opens only if a conversion runs
  const speech: SpeechModuleInputs | undefined = Object.values(precisions).some((p) => p !== 'fp32')
    ? await speechModuleInputs(manifest, { samples: opts.samples ?? DEFAULT_SAMPLES })
    : undefined;
  try {
    for (const module of modules) {
      const precision = precisions[module]!;
      if (precision === 'fp32') {
        // on the CPU, the FP32 model rewritten where ONNX Runtime's CPU runs another form faster (src/optimize/cpu.ts)
        if ((opts.runtime ?? 'cpu') === 'cpu') {
          const source = loaded.profile.modules?.[module]?.onnx ?? manifest.modules[module]!.file;
          const o = await cpuOptimizedModel(source, loaded.profile.output, module);
          if (o.written) opts.log?.(`rewrote ${module} for the CPU (${o.rewritten.length} ConvTranspose as Conv): ${o.file}`);
          if (o.file !== source) files[module] = o.file;
        }
        continue;
      }
      const r = await precisionModel({ profile: loaded, manifest, module, precision, runtime: opts.runtime ?? 'cpu', inputs: (m) => speech!.inputs(m), inputsKey: speech?.key });
      if (r.calibration) opts.log?.(describeCalibration(module, r.calibration));
      if (!r.cached) opts.log?.(`converted ${module} to ${precision} for the ${opts.runtime === 'trt' ? 'GPU' : 'CPU'} backend: ${r.file}`);
      files[module] = r.file;
    }
  } finally {
    await speech?.close();
  }
  return { files, precisions };
}
