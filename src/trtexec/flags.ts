// trtexec argument vectors, per TensorRT dialect. Pure: no process, no file system.
// It must never invent a flag: every flag below was read in NVIDIA/TensorRT
// samples/common/sampleOptions.cpp (the getAndDelOption calls and the printed help) at the tags named.
// Sources: https://github.com/NVIDIA/TensorRT/blob/<tag>/samples/common/sampleOptions.cpp, tags v8.6.1,
// v10.0.0, v10.3.0, v10.13.3, v10.16, v11.0, v11.1.
//
// | purpose               | trt11 (11.0, 11.1)                | trt10 (10.0 … 10.x)                     | trt8.6 (8.6.x)                              |
// |-----------------------|-----------------------------------|------------------------------------------|---------------------------------------------|
// | model / output        | --onnx=<f> --saveEngine=<f>       | same                                     | same                                        |
// | dynamic shapes        | same as trt10                     | --minShapes/--optShapes/--maxShapes=     | same; the name is everything before the     |
// |                       |                                   |   in:1x16,in2:1x80x32                    |   last ':' (so "a:0" names work), ',' splits|
// | fp16 / int8 / bf16    | ABSENT: 11.0 removed them; types  | --fp16 / --int8 / --bf16 (10.0.0); 10.16 | --fp16 / --int8 (no --bf16 → UserError)     |
// |                       |   come from the ONNX model        |   marks them deprecated, "superseded by  |                                             |
// |                       |                                   |   strong typing" (AutoCast)              |                                             |
// | best                  | ABSENT                            | --best; not with --stronglyTyped         | --best (int8+fp16)                          |
// |                       |                                   |   (10.13.3 rejects it)                   |                                             |
// | TF32 off              | --noTF32                          | same                                     | same                                        |
// | strongly typed        | always; --stronglyTyped is kept   | --stronglyTyped (added in 10.0.0; it     | absent → UserError                          |
// |                       |   as a "[Deprecated] … no-op", so |   disables --fp16/--int8/--bf16 with a   |                                             |
// |                       |   we never pass it                |   warning, so we refuse to combine them) |                                             |
// | int8 calib cache      | ABSENT (no --calib)               | --calib=<f>                              | same                                        |
// | per-layer precision   | ABSENT                            | --precisionConstraints=obey|prefer       | same (values fp32|fp16|int8; no bf16)       |
// |                       |                                   |   --layerPrecisions=l1:fp16,l2:bf16      |                                             |
// | workspace             | --memPoolSize=workspace:<N>M      | --memPoolSize=workspace:<N>M (10.0.0     | --memPoolSize=workspace:<N> (N in MiB; no   |
// |                       |   (base-2 suffixes, default MiB)  |   added B/K/M/G suffixes, default MiB);  |   unit suffixes in 8.6.1's parser, which is |
// |                       |                                   |   --workspace removed in 10.0.0          |   std::stod); --workspace= is deprecated    |
// |                       |                                   |                                          |   in 8.6.1 (warns), so never used           |
// | opt level             | --builderOptimizationLevel=N      | --builderOptimizationLevel=N (0…5)       | same (added in 8.6)                         |
// | timing cache          | --timingCacheFile=<f>             | same                                     | same                                        |
// | version compatible    | --versionCompatible (or --vc)     | same                                     | same                                        |
// | hardware compat.      | --hardwareCompatibilityLevel=     | --hardwareCompatibilityLevel=none|ampere+| same ("sameComputeCapability" only from    |
// |                       |   none|ampere+|sameComputeCap…    |                                          |   10.10, absent at v10.8.0: not modelled)   |
// | build only            | --skipInference                   | --skipInference (--buildOnly removed in  | --skipInference (--buildOnly is a           |
// |                       |                                   |   10.0.0)                                |   deprecated alias that warns in 8.6.1)     |
// | verbose               | --verbose                         | same                                     | same                                        |
// | perf: engine, shapes  | --loadEngine=<f> --shapes=in:1x16 | same                                     | same                                        |
// | perf: inputs          | --loadInputs=in:file              | same ('in':c:\f when the path has a ':') | same                                        |
// | perf: timing          | --warmUp=<ms> --duration=<s>      | same                                     | same                                        |
// |                       |   --iterations=N                  |                                          |                                             |
// | perf: cuda graph etc. | --useCudaGraph --noDataTransfers  | same                                     | same                                        |
// |                       |   --separateProfileRun            |                                          |                                             |
// | perf: streams         | --infStreams=N                    | --infStreams=N (--streams= is a          | --infStreams=N (--streams already warns     |
// |                       |                                   |   deprecated alias that warns)           |   "deprecated" in 8.6.1)                    |
// | perf: exports         | --exportTimes= --exportOutput=    | same                                     | same                                        |
// |                       |   --exportProfile=                |                                          |                                             |
// trtexec 11 stops with "Unknown option" on any flag it does not know (samples/trtexec/trtexec.cpp @v11.0),
// so a removed flag is a build that fails after the whole plan ran: buildArgv refuses it up front.
import { UserError, type Place } from '../core/errors.ts';

export type Dialect = 'trt11' | 'trt10' | 'trt8.6';

/**
 * How precision reaches TensorRT. strongly-typed: every tensor's type is in the ONNX model (converted by
 * src/precision/), the builder obeys it; legacy-flags: an fp32 ONNX model plus --fp16/--int8/--calib,
 * and the builder picks per layer.
 */
export type BuildMode = 'strongly-typed' | 'legacy-flags';

export type Precision = 'fp32' | 'fp16' | 'bf16' | 'int8';

export interface ShapeRange {
  name: string;
  min: number[];
  opt: number[];
  max: number[];
}

export interface BuildFlags {
  onnx: string;
  saveEngine: string;
  shapes: ShapeRange[];
  /**
   * Builder precision flags of a legacy (weakly typed) build; 'fp32' adds none. A strongly typed build
   * (stronglyTyped, or any TensorRT 11 build) takes 'fp32': its types are in the ONNX model.
   */
  precision: Precision;
  /** int8 only: let layers fall back to fp16 (adds --fp16). */
  fp16Fallback?: boolean;
  /** --best: let TensorRT pick among all precisions (implies int8 + fp16). Not with stronglyTyped. */
  best?: boolean;
  /** --noTF32: keep fp32 layers in true fp32. */
  noTF32?: boolean;
  workspaceMiB?: number;
  builderOptimizationLevel?: number;
  timingCache?: string;
  calibCache?: string;
  layerPrecisions?: { layer: string; precision: string }[];
  /** How strictly layerPrecisions apply; default "obey" when layerPrecisions are given. */
  precisionConstraints?: 'obey' | 'prefer';
  /** --stronglyTyped (TensorRT 10); TensorRT 11 is strongly typed whatever this says. */
  stronglyTyped?: boolean;
  versionCompatible?: boolean;
  hardwareCompatibilityLevel?: 'none' | 'ampere+';
  /** Default true: build and save the engine, no benchmark (--skipInference). */
  skipInference?: boolean;
  verbose?: boolean;
  extraArgs?: string[];
}

export interface PerfFlags {
  loadEngine: string;
  shapes?: { name: string; dims: number[] }[];
  loadInputs?: { name: string; file: string }[];
  warmUpMs?: number;
  durationS?: number;
  iterations?: number;
  useCudaGraph?: boolean;
  streams?: number;
  noDataTransfers?: boolean;
  separateProfileRun?: boolean;
  exportTimes?: string;
  exportOutput?: string;
  exportProfile?: string;
  verbose?: boolean;
  extraArgs?: string[];
}

const LAYER_PRECISIONS: Record<Dialect, readonly string[]> = {
  // Stryker: equivalent (any list) — buildArgv refuses every trt11 layerPrecisions before reading this.
  trt11: [],
  trt10: ['fp32', 'fp16', 'bf16', 'int8'],
  'trt8.6': ['fp32', 'fp16', 'int8'],
};

function fail(message: string, path: string, hint: string): never {
  throw new UserError(message, { place: { path }, hint });
}

function checkInt(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}…${max}`;
    fail(`${name} must be an integer ${range}, got ${v}`, name, `fix ${name} in the build profile`);
  }
}

function checkNumber(name: string, v: number, min: number): void {
  if (!Number.isFinite(v) || v < min) fail(`${name} must be a number ≥ ${min}, got ${v}`, name, `fix ${name}`);
}

/** trtexec splits list values on ',' with no escape: a name or path holding one cannot be passed. */
function checkListItem(what: string, value: string): void {
  if (value === '' || value.includes(',')) {
    fail(`${what} "${value}" is empty or contains ",", which trtexec cannot take in a list`, what, 'rename it without commas');
  }
}

function dims(name: string, d: number[]): string {
  if (d.length === 0) fail(`shape of "${name}" has no dimensions`, `shapes.${name}`, 'give at least one dimension');
  for (const x of d) {
    if (!Number.isInteger(x) || x < 0) {
      fail(`shape of "${name}" has an invalid dimension ${x}`, `shapes.${name}`, 'use non-negative integers');
    }
  }
  return d.join('x');
}

function shapeList(shapes: ShapeRange[], pick: 'min' | 'opt' | 'max'): string {
  return shapes
    .map((s) => {
      checkListItem('input name', s.name);
      return `${s.name}:${dims(s.name, s[pick])}`;
    })
    .join(',');
}

function trt10Only(what: string, flag: string, dialect: Dialect, hint: string): void {
  if (dialect === 'trt8.6') fail(`${what} needs TensorRT 10 or newer (trtexec 8.6 has no ${flag})`, what, hint);
}

/** The builder-flag settings a strongly typed build has no use for (types come from the ONNX model). */
function weakTypingFlags(opts: BuildFlags): string[] {
  const found: string[] = [];
  if (opts.precision !== 'fp32') found.push(`precision ${opts.precision}`);
  if (opts.fp16Fallback) found.push('fp16 fallback');
  if (opts.best) found.push('best');
  if (opts.calibCache) found.push('a calibration cache');
  if (opts.layerPrecisions?.length) found.push('layerPrecisions');
  if (opts.precisionConstraints) found.push('precisionConstraints');
  return found;
}

/**
 * The build mode a dialect takes: TensorRT 11 is strongly typed only, 8.6 knows builder flags only, 10 is
 * strongly typed unless the profile asks for the legacy flags. `place`: where that switch was set.
 */
export function buildModeFor(dialect: Dialect, legacyFlags: boolean, place: Place = { path: 'tensorrt.legacy_precision_flags' }): BuildMode {
  if (dialect === 'trt11') {
    if (legacyFlags) {
      throw new UserError('TensorRT 11 builds strongly typed networks only: its trtexec has no --fp16, --int8, --best or --calib', {
        place,
        hint: 'drop tensorrt.legacy_precision_flags (emovoice converts the ONNX models instead), or build with TensorRT 10.x',
      });
    }
    return 'strongly-typed';
  }
  if (dialect === 'trt8.6') return 'legacy-flags';
  return legacyFlags ? 'legacy-flags' : 'strongly-typed';
}

/** trtexec arguments (no executable) that build one engine from ONNX. */
export function buildArgv(opts: BuildFlags, dialect: Dialect): string[] {
  if (dialect === 'trt11') {
    // 11.x builds strongly typed networks only; refuse what its trtexec no longer takes.
    const weak = weakTypingFlags(opts);
    if (weak.length) {
      fail(
        `TensorRT 11 takes precision from the ONNX model; its trtexec has no flag for ${weak.join(', ')}`,
        'precision',
        'build the strongly typed ONNX model that `emovoice convert` writes, with no precision flags',
      );
    }
  }
  const argv = [`--onnx=${opts.onnx}`, `--saveEngine=${opts.saveEngine}`];
  if (opts.shapes.length) {
    argv.push(`--minShapes=${shapeList(opts.shapes, 'min')}`);
    argv.push(`--optShapes=${shapeList(opts.shapes, 'opt')}`);
    argv.push(`--maxShapes=${shapeList(opts.shapes, 'max')}`);
  }
  switch (opts.precision) {
    // Stryker: equivalent ('') — fp32 adds no flag, with this case or without it.
    case 'fp32':
      break;
    case 'fp16':
      argv.push('--fp16');
      break;
    case 'bf16':
      trt10Only('bf16', '--bf16', dialect, 'use precision fp16, or build with TensorRT 10.x');
      argv.push('--bf16');
      break;
    case 'int8':
      argv.push('--int8');
      if (opts.fp16Fallback) argv.push('--fp16');
      break;
  }
  if (opts.best) argv.push('--best');
  if (opts.noTF32) argv.push('--noTF32');
  if (opts.calibCache) argv.push(`--calib=${opts.calibCache}`);
  if (opts.stronglyTyped && dialect !== 'trt11') {
    trt10Only('stronglyTyped', '--stronglyTyped', dialect, 'drop stronglyTyped, or build with TensorRT 10.x');
    // A strongly typed network takes its types from the ONNX model; trtexec disables and warns about
    // --fp16/--int8/--bf16 and (10.13.3) rejects --best. Refuse rather than silently ignore.
    const weak = weakTypingFlags(opts);
    if (weak.length) {
      fail(
        `stronglyTyped takes precisions from the ONNX model; ${weak.join(', ')} do not apply`,
        'stronglyTyped',
        'set precision: fp32 with no best/layerPrecisions/calibration cache, or drop stronglyTyped',
      );
    }
    argv.push('--stronglyTyped');
  }
  if (opts.workspaceMiB !== undefined) {
    checkInt('workspaceMiB', opts.workspaceMiB, 1);
    argv.push(dialect === 'trt8.6' ? `--memPoolSize=workspace:${opts.workspaceMiB}` : `--memPoolSize=workspace:${opts.workspaceMiB}M`);
  }
  if (opts.builderOptimizationLevel !== undefined) {
    checkInt('builderOptimizationLevel', opts.builderOptimizationLevel, 0, 5);
    argv.push(`--builderOptimizationLevel=${opts.builderOptimizationLevel}`);
  }
  if (opts.timingCache) argv.push(`--timingCacheFile=${opts.timingCache}`);
  if (opts.layerPrecisions?.length) {
    const allowed = LAYER_PRECISIONS[dialect];
    for (const l of opts.layerPrecisions) {
      checkListItem('layer name', l.layer);
      if (!allowed.includes(l.precision)) {
        fail(`layer "${l.layer}": precision "${l.precision}" is not one of ${allowed.join(', ')} for ${dialect}`, `layerPrecisions.${l.layer}`, `use one of ${allowed.join(', ')}`);
      }
    }
    argv.push(`--precisionConstraints=${opts.precisionConstraints ?? 'obey'}`);
    argv.push(`--layerPrecisions=${opts.layerPrecisions.map((l) => `${l.layer}:${l.precision}`).join(',')}`);
  }
  if (opts.versionCompatible) argv.push('--versionCompatible');
  if (opts.hardwareCompatibilityLevel && opts.hardwareCompatibilityLevel !== 'none') {
    argv.push(`--hardwareCompatibilityLevel=${opts.hardwareCompatibilityLevel}`);
  }
  if (opts.skipInference !== false) argv.push('--skipInference');
  if (opts.verbose) argv.push('--verbose');
  if (opts.extraArgs?.length) argv.push(...opts.extraArgs);
  return argv;
}

/** One --loadInputs item: name:file, or 'name':file when the path holds a ':' (e.g. C:\data). */
function loadInputItem(name: string, file: string): string {
  checkListItem('input name', name);
  checkListItem('input file', file);
  if (!file.includes(':')) return `${name}:${file}`;
  if (name.includes("'")) fail(`input name "${name}" contains a quote and its file a ':'`, 'loadInputs', 'rename the file');
  return `'${name}':${file}`;
}

/** trtexec arguments (no executable) for a benchmark run of a built engine. Same in every dialect. */
// Stryker: equivalent (default '') — the dialect is not read: perf flags are the same in every dialect.
export function perfArgv(opts: PerfFlags, _dialect: Dialect = 'trt10'): string[] {
  const argv = [`--loadEngine=${opts.loadEngine}`];
  if (opts.shapes?.length) {
    for (const s of opts.shapes) checkListItem('input name', s.name);
    argv.push(`--shapes=${opts.shapes.map((s) => `${s.name}:${dims(s.name, s.dims)}`).join(',')}`);
  }
  if (opts.loadInputs?.length) argv.push(`--loadInputs=${opts.loadInputs.map((i) => loadInputItem(i.name, i.file)).join(',')}`);
  if (opts.warmUpMs !== undefined) {
    checkNumber('warmUpMs', opts.warmUpMs, 0);
    argv.push(`--warmUp=${opts.warmUpMs}`);
  }
  if (opts.durationS !== undefined) {
    checkNumber('durationS', opts.durationS, 0);
    argv.push(`--duration=${opts.durationS}`);
  }
  if (opts.iterations !== undefined) {
    checkInt('iterations', opts.iterations, 1);
    argv.push(`--iterations=${opts.iterations}`);
  }
  if (opts.useCudaGraph) argv.push('--useCudaGraph');
  if (opts.streams !== undefined) {
    checkInt('streams', opts.streams, 1);
    argv.push(`--infStreams=${opts.streams}`);
  }
  if (opts.noDataTransfers) argv.push('--noDataTransfers');
  if (opts.separateProfileRun) argv.push('--separateProfileRun');
  if (opts.exportTimes) argv.push(`--exportTimes=${opts.exportTimes}`);
  if (opts.exportOutput) argv.push(`--exportOutput=${opts.exportOutput}`);
  if (opts.exportProfile) argv.push(`--exportProfile=${opts.exportProfile}`);
  if (opts.verbose) argv.push('--verbose');
  if (opts.extraArgs?.length) argv.push(...opts.extraArgs);
  return argv;
}
