// Which calibration an INT8 module runs, decided once for every command: the one the profile names
// (calibration.qdq_model, or the Q/DQ model beside calibration.cache), else the one `emovoice calibrate`
// made for this model and module (calibration/out/<model>/<module>.*, src/calibrate/store.ts); a missing
// one, or one calibrated on other bytes than the module's ONNX has now, is one UserError. precisionModel
// (synth, verify, bench, convert) and `build` both call this, so they run and build the same file.
// Adapter: checks files and reads the calibration record; never writes. Loads no ONNX Runtime.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError, UserErrors } from '../core/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { calibrationFiles, calibrationFolder, checkCalibrationFresh, findCalibration } from '../calibrate/store.ts';
import { checkInt8Calibration } from './checks.ts';
import { qdqModelFor } from './files.ts';

export interface Int8Calibration {
  /** The Q/DQ model (what a strongly typed build and the CPU backend run). */
  qdqModel: string;
  /** The TensorRT calibration cache beside it (what a legacy-flags build passes to --calib), where known. */
  cache: string | null;
  /** true: found in calibration/out/<model>/ (the profile names none); false: named by the profile. */
  found: boolean;
}

/**
 * The calibration of one INT8 module. `qdqMustExist: false` (a legacy-flags build, which reads only the
 * cache the profile names) skips the check that a named Q/DQ model exists; a found one always does.
 */
export async function int8Calibration(loaded: LoadedProfile, manifest: ModelManifest, module: string, opts: { qdqMustExist?: boolean } = {}): Promise<Int8Calibration> {
  const named = loaded.profile.modules?.[module]?.calibration;
  const source = loaded.profile.modules?.[module]?.onnx ?? manifest.modules[module]?.file ?? module;
  let c: Int8Calibration;
  const qdq = qdqModelFor(module, named);
  if (qdq) {
    if (opts.qdqMustExist ?? true) {
      const problems = checkInt8Calibration(loaded, { [module]: 'int8' }, existsSync);
      if (problems.length) throw problems[0]!;
    }
    c = { qdqModel: qdq, cache: named?.cache ?? null, found: false };
  } else {
    const found = findCalibration(manifest.name, module);
    if (!found) {
      throw new UserError(`${module}: INT8 needs calibration, and none was made for ${manifest.name}'s ${module} (${calibrationFiles(calibrationFolder(manifest.name), module).qdqModel} does not exist)`, {
        place: loaded.locate(['modules', module]),
        hint: `run \`emovoice calibrate ${module} --profile ${loaded.profile.name}\` (found from then on), or set modules.${module}.calibration.qdq_model`,
      });
    }
    c = { ...found, found: true };
  }
  await checkCalibrationFresh(c.qdqModel, { model: manifest.name, module, onnx: source, profile: loaded.profile.name });
  return c;
}

/** The line every command prints for the calibration it uses (`file`: the one it reads, default the Q/DQ model). */
export function describeCalibration(module: string, c: Pick<Int8Calibration, 'qdqModel' | 'found'>, file = c.qdqModel): string {
  return `${module}: int8 from ${file} (${c.found ? 'the calibration made for this model and module' : 'named by the profile'})`;
}

/**
 * The profile with the calibration found for each INT8 module that names none filled in (as if the profile
 * named its Q/DQ model, by absolute path: every build mode then builds the bytes synth runs), and every INT8 module's
 * calibration; throws every missing or stale one at once. For `build`, whose plan and checks read
 * calibrations from the profile.
 */
export async function withInt8Calibrations(loaded: LoadedProfile, manifest: ModelManifest, precisions: Readonly<Record<string, string>>, opts: { qdqMustExist?: boolean } = {}): Promise<{ loaded: LoadedProfile; calibrations: Record<string, Int8Calibration> }> {
  const calibrations: Record<string, Int8Calibration> = {};
  const problems: UserError[] = [];
  for (const [module, precision] of Object.entries(precisions)) {
    if (precision !== 'int8') continue;
    try {
      calibrations[module] = await int8Calibration(loaded, manifest, module, opts);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems.push(e);
    }
  }
  if (problems.length) throw problems.length === 1 ? problems[0]! : new UserErrors(problems);
  const found = Object.entries(calibrations).filter(([, c]) => c.found);
  if (!found.length) return { loaded, calibrations };
  const modules = { ...loaded.profile.modules };
  for (const [module, c] of found) modules[module] = { ...modules[module], calibration: { qdq_model: resolve(c.qdqModel) } };
  return { loaded: { ...loaded, profile: { ...loaded.profile, modules } }, calibrations };
}
