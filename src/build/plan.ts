// Plans are data: profile + model manifest + TensorRT dialect and build mode → one trtexec argv per
// module, with every output path decided. Pure: no process, no file system. Dry-run, golden tests, build
// keys and the build manifest all come from this one function.
// Build modes (trtexec/flags.ts): strongly typed (TensorRT 11 always, 10 by default) builds the converted
// ONNX model that src/precision/ writes (its path is decided here, the conversion runs before the build)
// with no precision flags; legacy flags (TensorRT 8.6, or 10 with tensorrt.legacy_precision_flags) build
// the FP32 ONNX with --fp16/--int8/--calib as before.
import { join, relative } from 'node:path';
import { UserError } from '../core/errors.ts';
import { convertedDir, convertedFile, needsConversion, qdqModelFor } from '../precision/files.ts';
import { buildArgv, type BuildFlags, type BuildMode } from '../trtexec/flags.ts';
import type { BuildPlan, Conversion, Dialect, PlannedModule, TensorRtInfo } from './types.ts';

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
  /** Default: strongly typed where the dialect has it (trtexec/flags.ts buildModeFor). */
  mode?: BuildMode;
  verbose?: boolean;
}

/** The model a strongly typed build starts from, and the conversion that makes it (null: built as it is). */
function stronglyTypedModel(m: ModuleBuildSpec, outputDir: string): { onnx: string; conversion: Conversion | null } {
  const qdq = m.precision === 'int8' ? qdqModelFor(m.module, { cache: m.calibrationCache, qdq_model: m.qdqModel }) : null;
  if (needsConversion(m.precision, m.layerFallback)) {
    const output = convertedFile(convertedDir(outputDir), m.module, m.precision);
    return { onnx: output, conversion: { precision: m.precision, source: m.onnx, qdq, output } };
  }
  // int8 with FP32 elsewhere: the Q/DQ model as calibrated; fp32: the original
  return { onnx: qdq ?? m.onnx, conversion: null };
}

export function planBuild(input: PlanInput): BuildPlan {
  const dialect = input.tensorrt.dialect;
  const mode: BuildMode = input.mode ?? (dialect === 'trt8.6' ? 'legacy-flags' : 'strongly-typed');
  const modules: PlannedModule[] = input.modules.map((m) => {
    const engine = join(input.outputDir, `${m.module}.engine`);
    const partialEngine = join(input.outputDir, `.${m.module}.engine.partial`);
    const common = {
      saveEngine: partialEngine,
      shapes: Object.entries(m.shapes).map(([name, r]) => ({ name, ...r })),
      workspaceMiB: m.workspaceMiB,
      builderOptimizationLevel: m.builderOptimizationLevel,
      timingCache: m.timingCache ?? undefined,
      verbose: input.verbose,
      extraArgs: m.extraArgs,
    };
    let onnx: string;
    let conversion: Conversion | null = null;
    let flags: BuildFlags;
    if (mode === 'strongly-typed') {
      ({ onnx, conversion } = stronglyTypedModel(m, input.outputDir));
      const other = Object.entries(m.layerPrecisions ?? {}).find(([, p]) => p !== 'fp32');
      if (other) {
        throw new UserError(`${m.module}: layer_precisions ${other[0]}: ${other[1]} has no meaning in a strongly typed build (the converted model decides each layer's type)`, {
          place: { path: `modules.${m.module}.layer_precisions` },
          hint: 'keep only fp32 entries (they join keep_fp32), or set tensorrt.legacy_precision_flags: true on TensorRT 10',
        });
      }
      // layer_precisions: fp32 entries were folded into the conversion's keep_fp32 (precision/model.ts)
      flags = { ...common, onnx, precision: 'fp32', stronglyTyped: true };
    } else {
      // A QDQ model carries its own scales: build it instead of the fp32 ONNX, with --int8 and no cache.
      onnx = m.precision === 'int8' && m.qdqModel ? m.qdqModel : m.onnx;
      flags = {
        ...common,
        onnx,
        precision: m.precision,
        fp16Fallback: m.precision === 'int8' && m.layerFallback === 'fp16',
        calibCache: m.precision === 'int8' && !m.qdqModel ? (m.calibrationCache ?? undefined) : undefined,
        layerPrecisions: Object.entries(m.layerPrecisions ?? {}).map(([layer, precision]) => ({ layer, precision })),
      };
    }
    const argv = buildArgv(flags, dialect);
    const keyInputs = [onnx, ...(flags.calibCache ? [flags.calibCache] : [])];
    return {
      module: m.module,
      onnx,
      engine,
      partialEngine,
      log: join(input.outputDir, `${m.module}.build.log`),
      precision: m.precision,
      mode,
      conversion,
      argv,
      keyInputs,
      keyData: { dialect, mode },
      optShapes: Object.entries(m.shapes).map(([name, r]) => ({ name, dims: r.opt })),
    };
  });
  return {
    profile: input.profile,
    outputDir: input.outputDir,
    manifestPath: join(input.outputDir, 'build-manifest.json'),
    tensorrt: input.tensorrt,
    mode,
    modules,
  };
}

/** How dry runs, build and doctor name a build mode. */
export function describeMode(mode: BuildMode, dialect: Dialect): string {
  if (mode === 'legacy-flags') return `legacy precision flags (--fp16/--int8/--calib on the FP32 ONNX${dialect === 'trt8.6' ? '; TensorRT 8.6 has no strong typing' : ''})`;
  return `strongly typed (precision decided in the converted ONNX${dialect === 'trt10' ? ', --stronglyTyped' : '; TensorRT 11 has no precision flags'})`;
}

/** A copyable command line for humans (dry-run output). Quoting is for display only; we never spawn a shell. */
export function displayCommand(exe: string, argv: string[], cwd?: string): string {
  const rel = (a: string) => (cwd ? a.replace(/=(\/[^,:]+)/g, (_, p: string) => `=${relative(cwd, p) || '.'}`) : a);
  return [exe, ...argv.map(rel)].map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
