// Plain data shared by the build planner (pure) and the build executor (adapter).
import type { TrtexecSummary } from '../trtexec/parse.ts';

export type Dialect = 'trt10' | 'trt8.6';

export interface TensorRtInfo {
  version: string; // "10.3.0"
  dialect: Dialect;
  exe: string | null; // trtexec path; null for a dry run without TensorRT
}

export interface PlannedModule {
  module: string;
  onnx: string;
  /** Final engine path; the build writes `partialEngine` and renames it here on success. */
  engine: string;
  partialEngine: string;
  log: string;
  precision: string;
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
  tensorrt: { version: string; dialect: Dialect; trtexec: string | null };
  gpu: { name: string; computeCapability: string | null; driverVersion: string | null } | null;
  updatedAt: string;
  modules: Record<string, ModuleRecord>;
}
