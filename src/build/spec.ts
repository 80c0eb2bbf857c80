// Profile + model manifest → one ModuleBuildSpec per module (defaults merged, paths absolute).
// moduleSpecs is pure; readModuleInfos reads the ONNX files. The planner turns specs into trtexec argv.
import type { ModelManifest } from '../model/manifest.ts';
import { readOnnxModel, type OnnxInfo } from '../model/onnx.ts';
import type { LoadedProfile } from '../profile/load.ts';
import type { ModuleBuildSpec } from './plan.ts';

export function moduleSpecs(loaded: LoadedProfile, manifest: ModelManifest): ModuleBuildSpec[] {
  const p = loaded.profile;
  const d = p.defaults ?? {};
  return Object.entries(manifest.modules).map(([name, mod]) => {
    const m = p.modules?.[name] ?? {};
    const precision = (m.precision ?? d.precision ?? 'fp32') as ModuleBuildSpec['precision'];
    return {
      module: name,
      onnx: m.onnx ?? mod.file,
      precision,
      layerFallback: (m.layer_fallback ?? null) as ModuleBuildSpec['layerFallback'],
      layerPrecisions: m.layer_precisions ?? {},
      calibrationCache: m.calibration?.cache ?? null,
      qdqModel: m.calibration?.qdq_model ?? null,
      shapes: m.shapes ?? {},
      workspaceMiB: m.workspace_mib ?? d.workspace_mib,
      builderOptimizationLevel: m.builder_optimization_level ?? d.builder_optimization_level,
      timingCache: m.timing_cache ?? d.timing_cache ?? null,
      extraArgs: m.extra_args ?? [],
    };
  });
}

/** The ONNX facts of every module a profile builds (its own `onnx:` override, else the manifest's file). */
export async function readModuleInfos(loaded: LoadedProfile, manifest: ModelManifest): Promise<Record<string, OnnxInfo>>;
/** With a reader of less (e.g. readOnnxGraphIo: inputs, outputs and opsets, no weights), what that reader gives. */
export async function readModuleInfos<T>(loaded: LoadedProfile, manifest: ModelManifest, read: (path: string) => Promise<T>): Promise<Record<string, T>>;
export async function readModuleInfos(loaded: LoadedProfile, manifest: ModelManifest, read: (path: string) => Promise<unknown> = readOnnxModel): Promise<Record<string, unknown>> {
  const infos: Record<string, unknown> = {};
  for (const [name, mod] of Object.entries(manifest.modules)) infos[name] = await read(loaded.profile.modules?.[name]?.onnx ?? mod.file);
  return infos;
}
