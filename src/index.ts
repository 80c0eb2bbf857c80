// The library entry (`import { loadProfile, planBuild } from 'emovoice'`), for CI scripts and tools
// that want emovoice's plans and checks without going through the command line. Everything exported
// here is public and follows semver; anything else under dist/ is internal and may change in any
// release. It re-exports only: no logic lives here. Loading it does not load ONNX Runtime.
import { fileURLToPath } from 'node:url';

/** The build profiles bundled with the package: pass as `configsDir` to loadProfile. */
export const CONFIGS_DIR = fileURLToPath(new URL('../configs', import.meta.url));
/** The bundled tiny reference model's manifest. */
export const TINY_MODEL = fileURLToPath(new URL('../models/tiny/manifest.yaml', import.meta.url));

export { UserError, UserErrors, formatProblem, type Place } from './core/errors.ts';
export { loadProfile, parseOverride, type LoadedProfile, type Profile, type ModuleProfile } from './profile/load.ts';
export { validateProfile } from './profile/validate.ts';
export { loadModelManifest, type ModelManifest } from './model/manifest.ts';
export { readOnnxModel, type OnnxInfo } from './model/onnx.ts';
export { moduleSpecs, readModuleInfos } from './build/spec.ts';
export { planBuild, displayCommand, type ModuleBuildSpec, type PlanInput } from './build/plan.ts';
export type { BuildPlan, PlannedModule, TensorRtInfo } from './build/types.ts';
export { parseTrtexecLog, type TrtexecSummary } from './trtexec/parse.ts';
export { kindOf, diffBuild, diffVerify, diffBench, DEFAULT_THRESHOLDS, type DiffThresholds, type Finding } from './report/diff.ts';
