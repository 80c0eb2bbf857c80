// Plans are data: profile + model manifest + TensorRT dialect → one trtexec argv per module, with
// every output path decided. Pure: no process, no file system. Dry-run, golden tests, build keys
// and the build manifest all come from this one function.
import { join, relative } from 'node:path';
import { buildArgv, type BuildFlags } from '../trtexec/flags.ts';
import type { BuildPlan, PlannedModule, TensorRtInfo } from './types.ts';

/** What the planner needs of a module's profile, already resolved to absolute paths. */
export interface ModuleBuildSpec {
  module: string;
  onnx: string;
  precision: 'fp32' | 'fp16' | 'bf16' | 'int8';
  layerFallback?: 'fp16' | 'fp32' | null;
  layerPrecisions?: Record<string, string>;
  calibrationCache?: string | null;
  qdqModel?: string | null;
  shapes: Record<string, { min: number[]; opt: number[]; max: number[] }>;
  workspaceMiB?: number;
  builderOptimizationLevel?: number;
  timingCache?: string | null;
  extraArgs?: string[];
}

export interface PlanInput {
  profile: { name: string; path: string; sha256: string };
  outputDir: string;
  modules: ModuleBuildSpec[];
  tensorrt: TensorRtInfo;
  verbose?: boolean;
}

export function planBuild(input: PlanInput): BuildPlan {
  const modules: PlannedModule[] = input.modules.map((m) => {
    const engine = join(input.outputDir, `${m.module}.engine`);
    const partialEngine = join(input.outputDir, `.${m.module}.engine.partial`);
    // A QDQ model carries its own scales: build it instead of the fp32 ONNX, with --int8 and no cache.
    const onnx = m.precision === 'int8' && m.qdqModel ? m.qdqModel : m.onnx;
    const flags: BuildFlags = {
      onnx,
      saveEngine: partialEngine,
      shapes: Object.entries(m.shapes).map(([name, r]) => ({ name, ...r })),
      precision: m.precision,
      fp16Fallback: m.precision === 'int8' && m.layerFallback === 'fp16',
      workspaceMiB: m.workspaceMiB,
      builderOptimizationLevel: m.builderOptimizationLevel,
      timingCache: m.timingCache ?? undefined,
      calibCache: m.precision === 'int8' && !m.qdqModel ? (m.calibrationCache ?? undefined) : undefined,
      layerPrecisions: Object.entries(m.layerPrecisions ?? {}).map(([layer, precision]) => ({ layer, precision })),
      verbose: input.verbose,
      extraArgs: m.extraArgs,
    };
    const argv = buildArgv(flags, input.tensorrt.dialect);
    const keyInputs = [onnx, ...(flags.calibCache ? [flags.calibCache] : [])];
    return {
      module: m.module,
      onnx,
      engine,
      partialEngine,
      log: join(input.outputDir, `${m.module}.build.log`),
      precision: m.precision,
      argv,
      keyInputs,
      keyData: { dialect: input.tensorrt.dialect },
      optShapes: Object.entries(m.shapes).map(([name, r]) => ({ name, dims: r.opt })),
    };
  });
  return {
    profile: input.profile,
    outputDir: input.outputDir,
    manifestPath: join(input.outputDir, 'build-manifest.json'),
    tensorrt: input.tensorrt,
    modules,
  };
}

/** A copyable command line for humans (dry-run output). Quoting is for display only; we never spawn a shell. */
export function displayCommand(exe: string, argv: string[], cwd?: string): string {
  const rel = (a: string) => (cwd ? a.replace(/=(\/[^,:]+)/g, (_, p: string) => `=${relative(cwd, p) || '.'}`) : a);
  return [exe, ...argv.map(rel)].map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
