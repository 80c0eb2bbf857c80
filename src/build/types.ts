// Plain data shared by the build planner (pure) and the build executor (adapter).
import type { BuildMode, Dialect } from '../trtexec/flags.ts';
import type { TrtexecSummary } from '../trtexec/parse.ts';

export type { BuildMode, Dialect } from '../trtexec/flags.ts';

export interface TensorRtInfo {
  version: string; // "10.3.0"
  dialect: Dialect;
  exe: string | null; // trtexec path; null for a dry run without TensorRT
}

/** A strongly typed build's model, made by src/precision/ before trtexec runs. */
export interface Conversion {
  precision: 'fp16' | 'bf16' | 'int8' | 'fp32';
  /** The FP32 model (its activation ranges decide the FP32 islands). */
  source: string;
  /** INT8: the Q/DQ model from `emovoice calibrate` that gets FP16 around its quantized layers. */
  qdq: string | null;
  output: string;
}

export interface PlannedModule {
  module: string;
  /** The ONNX file trtexec builds (for a strongly typed build, the converted one). */
  onnx: string;
  /** Final engine path; the build writes `partialEngine` and renames it here on success. */
  engine: string;
  partialEngine: string;
  log: string;
  precision: 'fp32' | 'fp16' | 'bf16' | 'int8';
  mode: BuildMode;
  conversion: Conversion | null;
  /** trtexec arguments (no executable), with --saveEngine pointing at `partialEngine`. */
  argv: string[];
  /** Files whose content is part of the build key (ONNX, calibration cache, QDQ model, timing cache excluded). */
  keyInputs: string[];
  /** Everything else that decides the engine, hashed into the build key. */
  keyData: Record<string, unknown>;
  /** The optimization profile's opt shapes: where `build --measure` times the engine. */
  optShapes: { name: string; dims: number[] }[];
}

export interface BuildPlan {
  profile: { name: string; path: string; sha256: string };
  outputDir: string;
  manifestPath: string;
  tensorrt: TensorRtInfo;
  mode: BuildMode;
  modules: PlannedModule[];
}

export interface ModuleRecord {
  module: string;
  status: 'built' | 'skipped' | 'failed';
  key: string;
  onnx: { path: string; sha256: string };
  engine: { path: string; bytes: number; sha256: string } | null;
  command: string[];
  buildSeconds: number | null;
  wallSeconds: number;
  log: string;
  summary: unknown;
  builtAt: string;
  precision?: string;
  mode?: BuildMode;
  /** Strongly typed builds of converted models: the FP32 source and the conversion report. */
  converted?: { source: string; report: string } | null;
  lastFailure?: { at: string; reason: string; log: string };
  /** `build --measure`: trtexec's performance run of this engine at the opt shapes. */
  perf?: PerfRecord;
}

export interface PerfRecord {
  shapes: { name: string; dims: number[] }[];
  command: string[];
  durationS: number;
  latencyMs: TrtexecSummary['latencyMs'];
  gpuComputeMs: TrtexecSummary['gpuComputeMs'];
  throughputQps: number | null;
  peakGpuMemoryMiB: number | null;
  log: string;
  measuredAt: string;
}

export interface BuildManifest {
  format: 'emovoice-build-manifest/1';
  emovoiceVersion: string;
  profile: { name: string; path: string; sha256: string };
  /** mode: how precision reached TensorRT (strongly typed converted models, or legacy builder flags). */
  tensorrt: { version: string; dialect: Dialect; trtexec: string | null; mode?: BuildMode };
  gpu: { name: string; computeCapability: string | null; driverVersion: string | null } | null;
  updatedAt: string;
  modules: Record<string, ModuleRecord>;
}
