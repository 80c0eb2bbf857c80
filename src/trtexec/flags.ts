// trtexec argument vectors, per TensorRT dialect. Pure: no process, no file system.
//
// Every flag below was checked against NVIDIA/TensorRT samples/common/sampleOptions.cpp at the tags
// named (getAndDelOption calls and the printed help):
//
// | purpose              | trt10 (checked @v10.0.0, @v10.3.0)   | trt8.6 (checked @v8.6.1)                    |
// |----------------------|--------------------------------------|---------------------------------------------|
// | model                | --onnx=<f>                           | --onnx=<f>                                  |
// | output engine        | --saveEngine=<f>                     | --saveEngine=<f>                            |
// | dynamic shapes       | --minShapes/--optShapes/--maxShapes  | same                                        |
// |                      |   =in:1x16,in2:1x80x32               |                                             |
// | fp16 / int8          | --fp16 / --int8 (+--fp16 fallback)   | same                                        |
// | bf16                 | --bf16                               | absent → UserError                          |
// | strongly typed       | --stronglyTyped                      | absent → UserError                          |
// | int8 calib cache     | --calib=<f>                          | --calib=<f>                                 |
// | workspace            | --memPoolSize=workspace:<N>M         | --memPoolSize=workspace:<N> (value in MiB,  |
// |                      |   (base-2 unit suffixes, 10.x only)  |   no unit suffixes; --workspace=N is        |
// |                      |                                      |   deprecated in 8.6 and removed in 10.0)    |
// | opt level            | --builderOptimizationLevel=N         | --builderOptimizationLevel=N                |
// | timing cache         | --timingCacheFile=<f>                | --timingCacheFile=<f>                       |
// | layer precisions     | --precisionConstraints=obey          | same                                        |
// |                      |   --layerPrecisions=l1:fp16,l2:fp16  |                                             |
// | build only           | --skipInference                      | --skipInference (8.6 already has it;        |
// |                      |   (--buildOnly removed in 10.0)      |   --buildOnly is a deprecated alias there)  |
// | verbose              | --verbose                            | --verbose                                   |
// | perf: engine         | --loadEngine=<f>                     | same                                        |
// | perf: shapes         | --shapes=in:1x16                     | same                                        |
// | perf: timing         | --warmUp=ms --duration=s             | same                                        |
// |                      |   --iterations=N                     |                                             |
// | perf: cuda graph     | --useCudaGraph                       | same                                        |
// | perf: streams        | --infStreams=N (--streams is a       | --infStreams=N (same deprecation in 8.6.1)  |
// |                      |   deprecated alias that warns)       |                                             |
// | perf: no H2D/D2H     | --noDataTransfers                    | same                                        |
// | perf: export times   | --exportTimes=<f>                    | same                                        |
import { UserError } from '../core/errors.ts';

export type Dialect = 'trt10' | 'trt8.6';

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
  precision: 'fp32' | 'fp16' | 'bf16' | 'int8';
  /** int8 only: let layers fall back to fp16 (adds --fp16). */
  fp16Fallback?: boolean;
  workspaceMiB?: number;
  builderOptimizationLevel?: number;
  timingCache?: string;
  calibCache?: string;
  layerPrecisions?: { layer: string; precision: string }[];
  stronglyTyped?: boolean;
  verbose?: boolean;
  extraArgs?: string[];
}

export interface PerfFlags {
  loadEngine: string;
  shapes?: { name: string; dims: number[] }[];
  warmUpMs?: number;
  durationS?: number;
  iterations?: number;
  useCudaGraph?: boolean;
  streams?: number;
  noDataTransfers?: boolean;
  exportTimes?: string;
  verbose?: boolean;
  extraArgs?: string[];
}

const dims = (d: number[]): string => d.join('x');

function shapeList(shapes: ShapeRange[], pick: 'min' | 'opt' | 'max'): string {
  return shapes.map((s) => `${s.name}:${dims(s[pick])}`).join(',');
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new UserError(`${name} must be an integer ≥ ${min}, got ${v}`, { hint: `fix ${name} in the build profile` });
  }
}

/** trtexec arguments (no executable) that build one engine from ONNX. */
export function buildArgv(opts: BuildFlags, dialect: Dialect): string[] {
  const argv = [`--onnx=${opts.onnx}`, `--saveEngine=${opts.saveEngine}`];
  if (opts.shapes.length) {
    argv.push(`--minShapes=${shapeList(opts.shapes, 'min')}`);
    argv.push(`--optShapes=${shapeList(opts.shapes, 'opt')}`);
    argv.push(`--maxShapes=${shapeList(opts.shapes, 'max')}`);
  }
  switch (opts.precision) {
    case 'fp32':
      break;
    case 'fp16':
      argv.push('--fp16');
      break;
    case 'bf16':
      if (dialect !== 'trt10') {
        throw new UserError('bf16 needs TensorRT 10 or newer (trtexec 8.6 has no --bf16)', {
          hint: 'use precision fp16, or build with TensorRT 10.x',
        });
      }
      argv.push('--bf16');
      break;
    case 'int8':
      argv.push('--int8');
      if (opts.fp16Fallback) argv.push('--fp16');
      break;
  }
  if (opts.calibCache) argv.push(`--calib=${opts.calibCache}`);
  if (opts.stronglyTyped) {
    if (dialect !== 'trt10') {
      throw new UserError('strongly typed networks need TensorRT 10 or newer (trtexec 8.6 has no --stronglyTyped)', {
        hint: 'drop stronglyTyped, or build with TensorRT 10.x',
      });
    }
    argv.push('--stronglyTyped');
  }
  if (opts.workspaceMiB !== undefined) {
    checkInt('workspaceMiB', opts.workspaceMiB, 1);
    argv.push(dialect === 'trt10' ? `--memPoolSize=workspace:${opts.workspaceMiB}M` : `--memPoolSize=workspace:${opts.workspaceMiB}`);
  }
  if (opts.builderOptimizationLevel !== undefined) {
    checkInt('builderOptimizationLevel', opts.builderOptimizationLevel, 0);
    argv.push(`--builderOptimizationLevel=${opts.builderOptimizationLevel}`);
  }
  if (opts.timingCache) argv.push(`--timingCacheFile=${opts.timingCache}`);
  if (opts.layerPrecisions?.length) {
    argv.push('--precisionConstraints=obey');
    argv.push(`--layerPrecisions=${opts.layerPrecisions.map((l) => `${l.layer}:${l.precision}`).join(',')}`);
  }
  argv.push('--skipInference');
  if (opts.verbose) argv.push('--verbose');
  if (opts.extraArgs?.length) argv.push(...opts.extraArgs);
  return argv;
}

/** trtexec arguments (no executable) for a benchmark run of a built engine. */
export function perfArgv(opts: PerfFlags, _dialect: Dialect = 'trt10'): string[] {
  const argv = [`--loadEngine=${opts.loadEngine}`];
  if (opts.shapes?.length) argv.push(`--shapes=${opts.shapes.map((s) => `${s.name}:${dims(s.dims)}`).join(',')}`);
  if (opts.warmUpMs !== undefined) argv.push(`--warmUp=${opts.warmUpMs}`);
  if (opts.durationS !== undefined) argv.push(`--duration=${opts.durationS}`);
  if (opts.iterations !== undefined) argv.push(`--iterations=${opts.iterations}`);
  if (opts.useCudaGraph) argv.push('--useCudaGraph');
  if (opts.streams !== undefined) {
    checkInt('streams', opts.streams, 1);
    argv.push(`--infStreams=${opts.streams}`);
  }
  if (opts.noDataTransfers) argv.push('--noDataTransfers');
  if (opts.exportTimes) argv.push(`--exportTimes=${opts.exportTimes}`);
  if (opts.verbose) argv.push('--verbose');
  if (opts.extraArgs?.length) argv.push(...opts.extraArgs);
  return argv;
}
