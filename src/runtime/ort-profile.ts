// ONNX Runtime's profiler output (the JSON trace `enableProfiling` writes) summed per request: the time
// in session runs, the time in node kernels, and the kernels' time by op type. Pure: the caller reads
// the file. bench/piper_profile.ts and docs/performance-cpu.md use it to say where CPU time goes.

/** One event of the trace (Chrome trace format): `cat` Session | Node, `dur` and `ts` in microseconds. */
export interface OrtProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; provider?: string };
}

export interface ProfileSummary {
  /** Session runs counted (after the skipped ones). */
  runs: number;
  /** Mean milliseconds per run: `model_run` (the whole Run call inside ONNX Runtime). */
  runMs: number;
  /** Mean milliseconds per run spent in node kernels; runMs − nodeMs is the executor's own time. */
  nodeMs: number;
  /** Kernel calls per run. */
  kernels: number;
  /** Op types by kernel time, most first: milliseconds per run and calls per run. */
  byOp: { op: string; ms: number; calls: number }[];
}

/**
 * Sum a trace per run. The first `skipRuns` runs (a warm-up pass) and every node event that starts
 * before the end of the last skipped run are left out.
 */
export function summarizeProfile(events: OrtProfileEvent[], opts: { skipRuns?: number } = {}): ProfileSummary {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const skip = Math.min(opts.skipRuns ?? 0, runs.length);
  const counted = runs.slice(skip);
  const from = skip ? runs[skip - 1]!.ts + runs[skip - 1]!.dur : -Infinity;
  const n = Math.max(1, counted.length);
  const byOp = new Map<string, { us: number; calls: number }>();
  let nodeUs = 0;
  let kernels = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
    const op = e.args?.op_name ?? '?';
    const cur = byOp.get(op) ?? { us: 0, calls: 0 };
    cur.us += e.dur;
    cur.calls++;
    byOp.set(op, cur);
    nodeUs += e.dur;
    kernels++;
  }
  return {
    runs: counted.length,
    runMs: counted.reduce((a, e) => a + e.dur, 0) / 1000 / n,
    nodeMs: nodeUs / 1000 / n,
    kernels: kernels / n,
    byOp: [...byOp.entries()].map(([op, v]) => ({ op, ms: v.us / 1000 / n, calls: v.calls / n })).sort((a, b) => b.ms - a.ms),
  };
}
