// Regression check between two runs, for CI: build manifests (engine latency from `build --measure`
// or the parsed trtexec summary, engine size, build time), verify reports (per-output accuracy metrics)
// and bench reports (end-to-end latency, P99 per streams level, streams within the P99 objective).
// Pure: takes two parsed JSON documents and thresholds, returns findings.
// A gate fails closed: whatever the old run measured and the new one lacks or carries unreadably (a lost
// case, `outputs: null`, a metric that is a string) is a regression, never a skipped comparison.

export interface DiffThresholds {
  /** Allowed relative latency increase (0.05 = +5 %). */
  latency: number;
  /** Allowed relative engine size increase. */
  size: number;
  /** Allowed relative increase of an error metric (rel_l2, max_abs, mean_abs, lsd_db, mcd_db). */
  error: number;
  /** Allowed absolute drop in dB for snr_db, and absolute drop for cosine. */
  snrDb: number;
  cosine: number;
}

export const DEFAULT_THRESHOLDS: DiffThresholds = { latency: 0.05, size: 0.1, error: 0.1, snrDb: 1, cosine: 1e-4 };

export interface Finding {
  where: string;
  metric: string;
  old: number | null;
  new: number | null;
  change: string;
  regression: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function kindOf(doc: any): 'build' | 'verify' | 'bench' | null {
  if (doc?.format === 'emovoice-build-manifest/1') return 'build';
  if (typeof doc?.sloP99Ms === 'number' && Array.isArray(doc?.sweep) && typeof doc?.backend === 'string') return 'bench';
  if (Array.isArray(doc?.cases) && 'pass' in doc) return 'verify';
  return null;
}

/** A measurement that can be compared: a finite number. */
const readable = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
/** The old run measured it (a number there); the new one must too. */
const measured = (x: unknown): x is number => typeof x === 'number';

function lost(where: string, metric: string, old: unknown, now: unknown): Finding {
  return { where, metric, old: readable(old) ? old : null, new: null, change: now === undefined || now === null ? 'missing in the new report' : `unreadable in the new report (${JSON.stringify(now)?.slice(0, 40)})`, regression: true };
}

function rel(a: number, b: number): number {
  return a === 0 ? (b === 0 ? 0 : Infinity) : (b - a) / Math.abs(a);
}

function pct(r: number): string {
  return `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)}%`;
}

export function diffBuild(a: any, b: any, t: DiffThresholds = DEFAULT_THRESHOLDS): Finding[] {
  const out: Finding[] = [];
  if (a.modules && (typeof b.modules !== 'object' || b.modules === null)) return [lost('build', 'modules', null, b.modules)];
  for (const [name, nb] of Object.entries<any>(b.modules ?? {})) {
    const na = a.modules?.[name];
    if (!na) {
      out.push({ where: name, metric: 'module', old: null, new: null, change: 'new module', regression: false });
      continue;
    }
    // Latency from `build --measure` (perf, at the opt shapes); a build log's own summary otherwise.
    const ta = na.perf ?? na.summary;
    const tb = nb.perf ?? nb.summary;
    const pairs: [string, number | null | undefined, number | null | undefined, number][] = [
      ['latency p99 ms', ta?.latencyMs?.p99, tb?.latencyMs?.p99, t.latency],
      ['latency mean ms', ta?.latencyMs?.mean, tb?.latencyMs?.mean, t.latency],
      ['GPU compute mean ms', ta?.gpuComputeMs?.mean, tb?.gpuComputeMs?.mean, t.latency],
      ['engine bytes', na.engine?.bytes, nb.engine?.bytes, t.size],
    ];
    for (const [metric, x, y, allowed] of pairs) {
      if (!measured(x)) continue;
      if (!readable(y)) {
        out.push(lost(name, metric, x, y));
        continue;
      }
      const r = rel(x, y);
      out.push({ where: name, metric, old: x, new: y, change: pct(r), regression: r > allowed });
    }
  }
  for (const name of Object.keys(a.modules ?? {})) {
    if (!b.modules?.[name]) out.push({ where: name, metric: 'module', old: null, new: null, change: 'module missing', regression: true });
  }
  return out;
}

const LOWER_IS_BETTER = ['max_abs', 'mean_abs', 'rel_l2', 'lsd_db', 'mcd_db'];

export function diffVerify(a: any, b: any, t: DiffThresholds = DEFAULT_THRESHOLDS): Finding[] {
  const out: Finding[] = [];
  const index = (doc: any) => {
    const m = new Map<string, any>();
    const cases = Array.isArray(doc.cases) ? doc.cases : [];
    for (const c of cases) for (const o of Array.isArray(c?.outputs) ? c.outputs : []) m.set(`${c.module}/${c.case}/${o?.name}`, { ...o?.metrics, pass: o?.pass === true });
    for (const c of cases) if (!Array.isArray(c?.outputs) || !c.outputs.length) m.set(`${c?.module}/${c?.case}`, { pass: false });
    return m;
  };
  const ia = index(a);
  const ib = index(b);
  // a case or output the old report had and the new one lost fails the gate (cases: [] passes nothing)
  for (const [key, ma] of ia) {
    if (!ib.has(key)) out.push({ where: key, metric: 'case', old: ma.pass ? 1 : 0, new: null, change: 'missing in the new report', regression: true });
  }
  for (const [key, mb] of ib) {
    const ma = ia.get(key);
    if (ma?.pass && !mb.pass) out.push({ where: key, metric: 'pass', old: 1, new: 0, change: 'now failing', regression: true });
    if (!ma) continue;
    for (const metric of [...LOWER_IS_BETTER, 'snr_db', 'cosine']) {
      if (measured(ma[metric]) && !readable(mb[metric])) out.push(lost(key, metric, ma[metric], mb[metric]));
    }
    for (const metric of LOWER_IS_BETTER) {
      if (!readable(ma[metric]) || !readable(mb[metric])) continue;
      const r = rel(ma[metric], mb[metric]);
      // tiny absolute values (1e-8) move by large ratios without meaning anything
      const meaningful = Math.abs(mb[metric] - ma[metric]) > 1e-6;
      out.push({ where: key, metric, old: ma[metric], new: mb[metric], change: pct(r), regression: meaningful && r > t.error });
    }
    if (readable(ma.snr_db) && readable(mb.snr_db)) {
      const d = mb.snr_db - ma.snr_db;
      out.push({ where: key, metric: 'snr_db', old: ma.snr_db, new: mb.snr_db, change: `${d >= 0 ? '+' : ''}${d.toFixed(2)} dB`, regression: d < -t.snrDb });
    }
    if (readable(ma.cosine) && readable(mb.cosine)) {
      const d = mb.cosine - ma.cosine;
      out.push({ where: key, metric: 'cosine', old: ma.cosine, new: mb.cosine, change: d.toExponential(1), regression: d < -t.cosine });
    }
  }
  return out;
}

/** Two `emovoice bench --json` reports of the same profile, backend and amount of speech. */
export function diffBench(a: any, b: any, t: DiffThresholds = DEFAULT_THRESHOLDS): Finding[] {
  const out: Finding[] = [];
  for (const k of ['profile', 'backend', 'textSeconds', 'sloP99Ms'] as const) {
    if (a[k] !== b[k]) out.push({ where: 'settings', metric: k, old: null, new: null, change: `${a[k]} → ${b[k]}: not comparable`, regression: true });
  }
  if (out.length) return out;
  const lat = (x: number | null | undefined, y: number | null | undefined, where: string, metric: string) => {
    if (!measured(x)) return;
    if (!readable(y)) return void out.push(lost(where, metric, x, y));
    const r = rel(x, y);
    out.push({ where, metric, old: x, new: y, change: pct(r), regression: r > t.latency });
  };
  lat(a.single?.mean, b.single?.mean, 'end to end, 1 stream', 'latency mean ms');
  lat(a.single?.p99, b.single?.p99, 'end to end, 1 stream', 'latency p99 ms');
  const sweepA: any[] = Array.isArray(a.sweep) ? a.sweep : [];
  const sweepB: any[] = Array.isArray(b.sweep) ? b.sweep : [];
  for (const la of sweepA) {
    if (!sweepB.some((x) => x?.streams === la?.streams)) out.push(lost(`${la?.streams} streams`, 'streams level', null, undefined));
  }
  for (const lb of sweepB) {
    const la = sweepA.find((x: any) => x?.streams === lb?.streams);
    if (!la) continue;
    if (la.latency) lat(la.latency.p99, lb.latency?.p99, `${lb.streams} streams`, 'latency p99 ms');
    // trt levels: the sampled estimate where both reports have it, else the per-call P99s added up
    else if (la.p99EstimateMs != null && lb.p99EstimateMs != null) lat(la.p99EstimateMs, lb.p99EstimateMs, `${lb.streams} streams`, 'latency p99 ms');
    else lat(la.p99Ms, lb.p99Ms, `${lb.streams} streams`, 'latency p99 ms (sum of calls)');
  }
  const sa = a.maxStreamsWithinSlo;
  const sb = b.maxStreamsWithinSlo;
  if (measured(sa) && !readable(sb)) out.push(lost(`P99 ≤ ${b.sloP99Ms} ms`, 'streams within SLO', sa, sb));
  if (typeof sa === 'number' && typeof sb === 'number') {
    out.push({ where: `P99 ≤ ${b.sloP99Ms} ms`, metric: 'streams within SLO', old: sa, new: sb, change: `${sb - sa >= 0 ? '+' : ''}${sb - sa}`, regression: sb < sa });
  }
  return out;
}
