// Adapter: one runner per module of a manifest on the chosen backend (ort: its ONNX file; trt: its
// engine, with ONNX Runtime on the CPU as the fallback). A module the manifest keeps off the engine
// path (`engine: false`) runs on ONNX Runtime with either backend. `fallback: 'always'` wraps the ort
// backend too (bench measures the fallback path on any machine); `failModules` replaces those
// modules' primaries with one that fails at load (bench --fail-engine).
import { join } from 'node:path';
import type { ModelManifest } from '../model/manifest.ts';
import { FallbackRunner, UnavailableRunner, type FallbackEvent } from '../runtime/fallback.ts';
import { OrtThread, OrtThreadRunner } from '../runtime/ort-thread.ts';
import type { OrtOptions } from '../runtime/ort-options.ts';
import type { IoInfo, Runner } from '../runtime/runner.ts';
import { TrtexecRunner } from '../runtime/trt.ts';

function io(spec: Record<string, { dtype: string; dims: (number | string)[] }>): IoInfo[] {
  return Object.entries(spec).map(([name, s]) => ({ name, dtype: s.dtype, dims: s.dims }));
}

export interface RunnerOptions {
  engineDir?: string;
  trtexec?: string | null;
  timeoutMs?: number;
  /** trt backend: allowance per call for the trtexec process, on top of timeoutMs (TrtexecRunner's default if absent). */
  trtexecOverheadMs?: number;
  onFallback?: (e: FallbackEvent) => void;
  /** 'trt' (default): only trt engines get an ort CPU fallback; 'always': ort runners get one too. */
  fallback?: 'trt' | 'always';
  /** Modules whose primary fails at load (their fallback serves every call, loaded up front). */
  failModules?: readonly string[];
  /** Module → the ONNX file the CPU runs (a precision-converted or QDQ model); default: the manifest's file. */
  onnx?: Record<string, string>;
  /** ONNX Runtime session options for the CPU sessions (threads, spinning, arena); default: emovoice's. */
  ort?: Omit<OrtOptions, 'modelBytes' | 'providers'>;
}

export function makeRunners(m: Pick<ModelManifest, 'modules'>, backend: 'ort' | 'trt', opts: RunnerOptions = {}): Record<string, Runner> {
  const out: Record<string, Runner> = {};
  // Sessions in a worker thread: onnxruntime-node blocks the thread it runs on, and a serving path
  // needs its timeouts to fire. The model's CPU sessions share one thread (docs/performance-cpu.md);
  // a primary that a fallback stands behind gets a thread of its own, so an overrunning call never
  // holds up the fallback that answers for it.
  const thread = new OrtThread('ort thread');
  // Inputs change length on every request: a memory pattern per shape fragments the arena and the
  // peak grows request after request (docs/performance-cpu.md), so the serving sessions plan none.
  const ortOptions = { memPattern: false, ...opts.ort };
  for (const [name, mod] of Object.entries(m.modules)) {
    const file = opts.onnx?.[name] ?? mod.file;
    const ort = new OrtThreadRunner(file, ortOptions, thread);
    const onEngine = backend === 'trt' && mod.engine;
    if (!onEngine && opts.fallback !== 'always') {
      out[name] = ort;
      continue;
    }
    let primary: Runner = onEngine
      ? new TrtexecRunner({
          exe: opts.trtexec ?? null,
          engine: join(opts.engineDir ?? '.', `${name}.engine`),
          inputs: io(mod.inputs),
          outputs: io(mod.outputs),
          timeoutMs: opts.timeoutMs,
          callOverheadMs: opts.trtexecOverheadMs,
        })
      : new OrtThreadRunner(file, ortOptions);
    if (opts.failModules?.includes(name)) primary = new UnavailableRunner(primary.name, `${name} disabled by --fail-engine`);
    // A module taken out is served by its fallback from the first call: load that one up front.
    const eager = !!opts.failModules?.includes(name);
    out[name] = new FallbackRunner(primary, ort, { timeoutMs: opts.timeoutMs, onFallback: opts.onFallback, eager });
  }
  return out;
}
