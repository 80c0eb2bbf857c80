// `emovoice build --measure`: after the build, time every engine in trtexec's performance mode at its
// optimization profile's opt shapes (warm-up, fixed duration, CUDA graphs) and record the parsed
// summary in the build manifest, so `emovoice diff` can gate latency between two builds. Adapter: runs
// trtexec through src/trtexec/run.ts; the argv comes from the pure perfArgv.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { perfArgv } from '../trtexec/flags.ts';
import { parseTrtexecLog } from '../trtexec/parse.ts';
import { runTrtexec } from '../trtexec/run.ts';
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
    const argv = perfArgv({ loadEngine: m.engine, shapes: m.optShapes, warmUpMs: opts.warmUpMs ?? 500, durationS: opts.durationS, useCudaGraph: true }, plan.tensorrt.dialect);
    const log = join(plan.outputDir, `${m.module}.perf.log`);
    const run = await runTrtexec({ exe, argv, logFile: log, timeoutMs: (opts.durationS + 300) * 1000, signal: opts.signal });
    const s = parseTrtexecLog(await readFile(log, 'utf8').catch(() => ''));
    const reason =
      run.aborted ? 'interrupted'
      : run.timedOut ? 'timed out'
      : run.exitCode !== 0 ? `trtexec exited with ${run.exitCode ?? run.signal}${s.errors[0] ? `: ${s.errors[0]}` : ''}`
      : s.latencyMs.mean == null ? 'no latency summary in the log'
      : null;
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
