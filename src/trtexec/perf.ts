// One engine timed in trtexec's performance mode (warm-up, fixed duration, CUDA graphs, optional
// inference streams): the argv from the pure perfArgv, the run through the process adapter, the log
// parsed, and — when it did not give a latency summary — why, in one line. `build --measure` and
// `bench --backend trt` both time engines through this.
import { readFile } from 'node:fs/promises';
import { perfArgv, type Dialect } from './flags.ts';
import { parseTrtexecLog, type TrtexecSummary } from './parse.ts';
import { runTrtexec } from './run.ts';

export interface PerfRun {
  argv: string[];
  log: string;
  summary: TrtexecSummary;
  /** Why there is no latency summary (interrupted, timed out, trtexec's exit and first error); null when timed. */
  failure: string | null;
}

export async function timeEngine(opts: {
  exe: string;
  dialect: Dialect;
  engine: string;
  shapes: { name: string; dims: number[] }[];
  durationS: number;
  streams?: number;
  warmUpMs?: number;
  logFile: string;
  /** Where trtexec writes each timed call's times (--exportTimes, JSON). */
  exportTimes?: string;
  /** Seconds allowed beyond the measurement itself (engine load, warm-up, CUDA graph capture). */
  slackS?: number;
  signal?: AbortSignal;
}): Promise<PerfRun> {
  const argv = perfArgv(
    { loadEngine: opts.engine, shapes: opts.shapes, warmUpMs: opts.warmUpMs ?? 500, durationS: opts.durationS, useCudaGraph: true, streams: opts.streams, exportTimes: opts.exportTimes },
    opts.dialect,
  );
  const run = await runTrtexec({ exe: opts.exe, argv, logFile: opts.logFile, timeoutMs: (opts.durationS + (opts.slackS ?? 300)) * 1000, signal: opts.signal });
  const summary = parseTrtexecLog(await readFile(opts.logFile, 'utf8').catch(() => ''));
  const failure =
    run.aborted ? 'interrupted'
    : run.timedOut ? 'timed out'
    : run.exitCode !== 0 ? `trtexec exited with ${run.exitCode ?? run.signal}${summary.errors[0] ? `: ${summary.errors[0]}` : ''}`
    : summary.latencyMs.mean == null ? 'no latency summary in the log'
    : null;
  return { argv, log: opts.logFile, summary, failure };
}
