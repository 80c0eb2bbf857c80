// `emovoice build --measure`: after the build, time every engine in trtexec's performance mode at its
// optimization profile's opt shapes (warm-up, fixed duration, CUDA graphs) and record the parsed
// summary in the build manifest, so `emovoice diff` can gate latency between two builds. Adapter: runs
// trtexec through src/trtexec/perf.ts.
import { join } from 'node:path';
import { timeEngine } from '../trtexec/perf.ts';
import type { BuildManifest, BuildPlan, PerfRecord } from './types.ts';

export interface MeasureOptions {
  durationS: number;
  warmUpMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: { kind: 'measured'; module: string; perf: PerfRecord } | { kind: 'measure-failed'; module: string; reason: string; log: string }) => void;
}

/** Measures every planned module that has an engine in `manifest`; returns the modules that failed. */
export async function measureEngines(plan: BuildPlan, manifest: BuildManifest, opts: MeasureOptions): Promise<{ module: string; reason: string; log: string }[]> {
  const exe = plan.tensorrt.exe!;
  const failed: { module: string; reason: string; log: string }[] = [];
  for (const m of plan.modules) {
    const record = manifest.modules[m.module];
    if (!record?.engine || opts.signal?.aborted) continue;
    const { argv, log, summary: s, failure: reason } = await timeEngine({
      exe, dialect: plan.tensorrt.dialect, engine: m.engine, shapes: m.optShapes, durationS: opts.durationS, warmUpMs: opts.warmUpMs,
      logFile: join(plan.outputDir, `${m.module}.perf.log`), signal: opts.signal,
    });
    if (reason) {
      failed.push({ module: m.module, reason, log });
      opts.onEvent?.({ kind: 'measure-failed', module: m.module, reason, log });
      continue;
    }
    const perf: PerfRecord = {
      shapes: m.optShapes,
      command: [exe, ...argv],
      durationS: opts.durationS,
      latencyMs: s.latencyMs,
      gpuComputeMs: s.gpuComputeMs,
      throughputQps: s.throughputQps,
      peakGpuMemoryMiB: s.peakGpuMemoryMiB,
      log,
      measuredAt: new Date().toISOString(),
    };
    record.perf = perf;
    opts.onEvent?.({ kind: 'measured', module: m.module, perf });
  }
  return failed;
}
