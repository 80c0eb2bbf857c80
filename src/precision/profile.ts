// The precision checks of a whole profile against its model's ONNX files (adapter: reads the graphs
// when a keep_fp32 entry names a node), for build, convert and doctor alike. The checks themselves are
// the pure functions of checks.ts.
import { readFile } from 'node:fs/promises';
import type { UserError } from '../core/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { decodeOnnxModel } from '../model/onnx.ts';
import type { LoadedProfile } from '../profile/load.ts';
import type { BuildMode } from '../trtexec/flags.ts';
import { checkInt8Calibration, checkKeepFp32, checkLayerPrecisions, graphFacts, type GraphFacts } from './checks.ts';
import { classifyKeepEntry } from './rules.ts';

/** Effective precision of every module of the model (module value, else defaults, else fp32). */
export function modulePrecisions(profile: LoadedProfile['profile'], manifest: ModelManifest): Record<string, string> {
  return Object.fromEntries(Object.keys(manifest.modules).map((m) => [m, profile.modules?.[m]?.precision ?? profile.defaults?.precision ?? 'fp32']));
}

/**
 * Every precision problem of a profile: keep_fp32 names that match no node (any mode: the CPU converts
 * too), and for strongly typed builds, INT8 modules without their Q/DQ model and per-layer builder
 * precisions that have no meaning there.
 */
export async function checkProfilePrecision(loaded: LoadedProfile, manifest: ModelManifest, mode: BuildMode | null, exists: (path: string) => boolean): Promise<UserError[]> {
  const p = loaded.profile;
  const errs: UserError[] = [];
  const lists = [p.defaults?.keep_fp32 ?? [], ...Object.values(p.modules ?? {}).map((m) => m.keep_fp32 ?? [])];
  if (lists.some((l) => l.some((e) => classifyKeepEntry(e).kind === 'node'))) {
    const graphs: Record<string, GraphFacts> = {};
    for (const [name, mod] of Object.entries(manifest.modules)) {
      const file = p.modules?.[name]?.onnx ?? mod.file;
      graphs[name] = graphFacts(await decodeOnnxModel(await readFile(file), file), file);
    }
    errs.push(...checkKeepFp32(loaded, graphs));
  }
  if (mode === 'strongly-typed') errs.push(...checkInt8Calibration(loaded, modulePrecisions(p, manifest), exists), ...checkLayerPrecisions(loaded));
  return errs;
}
