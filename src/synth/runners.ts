// Adapter: one runner per module of a manifest on the chosen backend (src/runtime/backends.ts): ort:
// its ONNX file on the CPU; cuda: the same file (or its FP16 conversion) on ONNX Runtime's CUDA provider;
// trt: its engine in process, through the EPContext model beside it and ONNX Runtime's TensorRT provider;
// trtexec: its engine through one trtexec process per call. The GPU backends get ONNX Runtime on the CPU
// as the fallback. A module the manifest keeps off the engine path (`engine: false`) runs on ONNX
// Runtime's CPU with the engine backends (trt, trtexec). `fallback: 'always'` wraps the ort
// backend too (bench measures the fallback path on any machine); `failModules` replaces those
// modules' primaries with one that fails at load (bench --fail-engine).
import { join } from 'node:path';
import type { ModelManifest } from '../model/manifest.ts';
import { FallbackRunner, UnavailableRunner, type FallbackEvent } from '../runtime/fallback.ts';
import { OrtThread, OrtThreadRunner } from '../runtime/ort-thread.ts';
import { RunnerPool } from '../runtime/pool.ts';
import type { OrtOptions } from '../runtime/ort-options.ts';
import type { IoInfo, Runner } from '../runtime/runner.ts';
import { TrtexecRunner } from '../runtime/trt.ts';
import { onEngines, type Backend } from '../runtime/backends.ts';
import { CudaRunner, EpContextRunner, epContextPath } from '../runtime/providers.ts';

export function io(spec: Record<string, { dtype: string; dims: (number | string)[] }>): IoInfo[] {
  return Object.entries(spec).map(([name, s]) => ({ name, dtype: s.dtype, dims: s.dims }));
}

export interface RunnerOptions {
  engineDir?: string;
  trtexec?: string | null;
  timeoutMs?: number;
  /** trt backend: allowance per call for the trtexec process, on top of timeoutMs (TrtexecRunner's default if absent). */
  trtexecOverheadMs?: number;
  onFallback?: (e: FallbackEvent) => void;
  /**
   * 'gpu' (default): GPU runners (cuda, trt, trtexec engines) get an ort CPU fallback; 'always': ort runners
   * get one too; 'never': none (verify: a module that cannot run on the GPU fails there, it is not checked on the CPU).
   */
  fallback?: 'gpu' | 'always' | 'never';
  /** Module → the ONNX file the CPU fallback runs (default: the manifest's file). */
  cpuOnnx?: Record<string, string>;
  /** Modules whose primary fails at load (their fallback serves every call, loaded up front). */
  failModules?: readonly string[];
  /** Module → the ONNX file the CPU runs (a precision-converted or QDQ model); default: the manifest's file. */
  onnx?: Record<string, string>;
  /** ONNX Runtime session options for the CPU sessions (threads, spinning, arena); default: emovoice's. */
  ort?: Omit<OrtOptions, 'modelBytes' | 'providers'>;
  /**
   * serving.chunk_lanes: the last streaming stage's module, when it runs on ONNX Runtime's CPU, gets this
   * many sessions, each in a thread of its own with one intra-op thread, taking a request's chunks at once
   * (src/runtime/pool.ts, src/pipeline/chunked.ts). Absent or 1: one session on the model's thread.
   */
  chunkLanes?: number;
}

/**
 * What a profile's `serving:` says about the CPU sessions: `chunk_lanes` (the vocoder's one-thread
 * sessions side by side), `intra_op_threads` (every other CPU session's intra-op threads; absent:
 * ONNX Runtime's default, one per core) and `spin_us` (how long an idle intra-op thread spins for the
 * next parallel section before it sleeps, spinning stopped at the end of each run; absent: no spinning,
 * OrtThreadRunner's default). A stream (`synth --stream`) sends its chunks one at a time: no lanes.
 */
export function servingRunnerOptions(serving: { chunk_lanes?: number; intra_op_threads?: number; spin_us?: number } | undefined, o: { stream?: boolean } = {}): Pick<RunnerOptions, 'chunkLanes' | 'ort'> {
  const ort = {
    ...(serving?.intra_op_threads && { intraOpThreads: serving.intra_op_threads }),
    ...(serving?.spin_us !== undefined && serving.spin_us > 0 && { spinning: true, spinMicroseconds: serving.spin_us }),
  };
  return {
    ...(serving?.chunk_lanes && !o.stream && { chunkLanes: serving.chunk_lanes }),
    ...(Object.keys(ort).length && { ort }),
  };
}

/**
 * The profile's `serving:` as a backend runs it: `overlap_parts`, where the profile leaves it out, is on
 * for the in-process GPU backends (cuda, trt) — each module's session is in a thread of its own, so a
 * long request's next part runs its encoders while the part before is in the vocoder (on an H100,
 * EmotiVoice base FP16 at one stream: 66.8 → 48.6 ms P50, docs/gpu.md) — and off elsewhere (on the CPU
 * the parts contend for the same cores; configs/cpu.yaml turns it on where it was measured to pay).
 */
export function servingFor<S extends { overlap_parts?: boolean }>(serving: S | undefined, backend: Backend): S {
  const s = serving ?? ({} as S);
  return s.overlap_parts === undefined && (backend === 'cuda' || backend === 'trt') ? { ...s, overlap_parts: true } : s;
}

/** The module of the manifest's last streaming stage (the one whole requests run on chunks), if any. */
function chunkedModule(m: Pick<ModelManifest, 'modules'> & Partial<Pick<ModelManifest, 'graph' | 'streaming'>>): string | undefined {
  const id = m.streaming?.stages.at(-1);
  return id === undefined ? undefined : m.graph?.find((s) => s.id === id)?.module;
}

export function makeRunners(m: Pick<ModelManifest, 'modules'> & Partial<Pick<ModelManifest, 'graph' | 'streaming'>>, backend: Backend, opts: RunnerOptions = {}): Record<string, Runner> {
  const out: Record<string, Runner> = {};
  // Sessions in a worker thread: onnxruntime-node blocks the thread it runs on, and a serving path
  // needs its timeouts to fire. The model's CPU sessions share one thread (docs/performance-cpu.md);
  // a primary that a fallback stands behind gets a thread of its own, so an overrunning call never
  // holds up the fallback that answers for it.
  const thread = new OrtThread('ort thread');
  // Inputs change length on every request: a memory pattern per shape fragments the arena and the
  // peak grows request after request (docs/performance-cpu.md), so the serving sessions plan none.
  const ortOptions = { memPattern: false, ...opts.ort };
  const lanes = opts.chunkLanes && opts.chunkLanes > 1 ? opts.chunkLanes : 1;
  const laned = lanes > 1 ? chunkedModule(m) : undefined;
  // the chunked module's sessions: one intra-op thread each, a thread each, so its chunks run side by side
  const cpuRunner = (name: string, file: string, shared?: OrtThread): Runner =>
    name === laned ? new RunnerPool(Array.from({ length: lanes }, () => new OrtThreadRunner(file, { ...ortOptions, intraOpThreads: 1 }))) : new OrtThreadRunner(file, ortOptions, shared);
  for (const [name, mod] of Object.entries(m.modules)) {
    const file = opts.onnx?.[name] ?? mod.file;
    // On a GPU backend the ONNX Runtime CPU session is the fallback (on the model's shared thread).
    const onEngine = onEngines(backend) && mod.engine;
    const onGpu = onEngine || backend === 'cuda';
    const ort = new OrtThreadRunner(onGpu ? (opts.cpuOnnx?.[name] ?? mod.file) : file, ortOptions, thread);
    if ((!onGpu && opts.fallback !== 'always') || (onGpu && opts.fallback === 'never' && !opts.failModules?.includes(name))) {
      out[name] = onGpu ? gpuPrimary(backend, name, mod, file, opts) : name === laned ? cpuRunner(name, file) : ort;
      continue;
    }
    let primary: Runner = onGpu ? gpuPrimary(backend, name, mod, file, opts) : cpuRunner(name, file);
    if (opts.failModules?.includes(name)) primary = new UnavailableRunner(primary.name, `${name} disabled by --fail-engine`);
    // A module taken out is served by its fallback from the first call: load that one up front.
    const eager = !!opts.failModules?.includes(name);
    out[name] = new FallbackRunner(primary, ort, { timeoutMs: opts.timeoutMs, onFallback: opts.onFallback, eager });
  }
  return out;
}

/** The GPU runner of one module: a CUDA session over its file, its engine in a TensorRT session, or trtexec per call. */
function gpuPrimary(backend: Backend, name: string, mod: ModelManifest['modules'][string], file: string, opts: RunnerOptions): Runner {
  if (backend === 'cuda') return new CudaRunner(file);
  const engine = join(opts.engineDir ?? '.', `${name}.engine`);
  if (backend === 'trt') return new EpContextRunner({ model: epContextPath(engine), engine, buildManifest: join(opts.engineDir ?? '.', 'build-manifest.json') });
  return new TrtexecRunner({
    exe: opts.trtexec ?? null,
    engine,
    inputs: io(mod.inputs),
    outputs: io(mod.outputs),
    timeoutMs: opts.timeoutMs,
    callOverheadMs: opts.trtexecOverheadMs,
  });
}
