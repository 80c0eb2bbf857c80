// The reports of `emovoice bench` as data (what --json prints) and as the seed-style text table:
// before (the model's baseline: PyTorch eager, piper-tts, …) / after (this backend), a per-stage breakdown, the streams sweep, and which
// modules ran on their CPU fallback. Pure: reports in, text out.
import { p99Label, type LatencyStats, type StreamResult } from './load.ts';
import type { CombinedRequest, HostTiming } from './trt.ts';

/**
 * The model's baseline (PyTorch eager for our reference models, piper-tts for a Piper voice), as the same
 * statistics as ours: computed here from the raw per-request latencies the baseline process returned
 * (docs/bench-baseline.md), over the same token ids, sentence parts and conditioning, so both columns
 * speak the same audio.
 */
export interface Baseline {
  /** What the baseline says it is, short: the column's label ("PyTorch eager", "piper-tts 1.8.0"). */
  name: string;
  /** Its longer self-description (versions, what it runs), printed under the table. */
  runtime?: string;
  device: string;
  torch?: string;
  /** Per stage: mean ms over the measured requests (same stage names as ours where the work is the same). */
  stages: Record<string, number>;
  /** One stream, after `warmup` requests that are not counted. */
  latency: LatencyStats;
  warmup: number;
  sweep?: { streams: number; latency: LatencyStats; throughputRps: number; meetsSlo: boolean; latenciesMs?: number[]; firstAudio?: LatencyStats }[];
  maxStreamsWithinSlo?: number;
  /** Streaming requests: time to first audio (piper-tts: its first sentence's audio). */
  firstAudio?: LatencyStats;
  peakRssMiB?: number;
  peakGpuMiB?: number | null;
  phonemes: number;
  audioSeconds: number;
}

export interface StageRow {
  stage: string;
  meanMs: number | null;
  p99Ms: number | null;
  /** The baseline's mean for the same stage, when it has it. */
  baselineMs: number | null;
  /** Requests (of the stage-breakdown run) in which this stage was answered by a CPU fallback. */
  fellBack?: number;
  note?: string;
}

export interface FallbackSummary {
  /** serving.timeout_ms: a module call slower than this is answered by its CPU fallback (that call only). */
  timeoutMs: number | null;
  failEngines: string[];
  /** Modules whose primary was out for the whole run: every request used their CPU fallback. */
  onFallback: { module: string; why: 'load' | 'infer'; reason: string }[];
  /** Per module: calls answered by the fallback because the primary overran timeoutMs. */
  timeouts: Record<string, number>;
  /** Per module: calls the primary answered after timeoutMs because the deadline could not fire first (the process was busy): counted, never hidden. */
  overran: Record<string, number>;
}

export interface OrtReport {
  profile: string;
  /** ort: the CPU; cuda, trt: ONNX Runtime's CUDA / TensorRT provider in process. */
  backend: 'ort' | 'cuda' | 'trt';
  textSeconds: number;
  text: string;
  phonemes: number;
  parts: number;
  maxTextLen: number;
  audioSeconds: number;
  sloP99Ms: number;
  /** Requests run and not counted, before the measured ones (each side). */
  warmup: number;
  single: LatencyStats;
  stages: StageRow[];
  sweep: StreamResult[];
  maxStreamsWithinSlo: number;
  peakRssMiB: number;
  /** GPU backends: device memory in use above the level before the sessions loaded (nvidia-smi), null without one. */
  peakGpuMiB?: number | null;
  baseline: Baseline | null;
  fallback: FallbackSummary;
  warnings: string[];
}

export interface TrtLevel extends CombinedRequest {
  streams: number;
  meetsSlo: boolean;
  /** Each measurement: a module at one part's shape (textLen), how many parts per request have it, where it ran. */
  runs: { module: string; textLen: number | null; count: number; meanMs: number | null; p99Ms: number | null; source: string; log?: string; /** per-call latencies the run gave (trtexec --exportTimes) */ samples: number }[];
}

export interface TrtReport {
  profile: string;
  backend: 'trtexec';
  tensorrt: string;
  trtexec: string;
  textSeconds: number;
  text: string;
  phonemes: number;
  parts: number[];
  maxTextLen: number;
  sloP99Ms: number;
  host: HostTiming[];
  stages: StageRow[];
  /** Conditioning-only module stages (a style encoder …), timed once at one stream: cached after a request's first run. */
  cachedStages: TrtLevel['runs'];
  sweep: TrtLevel[];
  maxStreamsWithinSlo: number;
  baseline: Baseline | null;
  fallback: FallbackSummary;
  logs: string;
  warnings: string[];
}

/**
 * Rows in pipeline order (`order`: the stage names of one request, as the pipeline reported them)
 * from measured stage means/P99s. A stage served from the cache after the first request (a voice's
 * embeddings, a prompt's style) says so, with what its first run cost (`firstRun`).
 */
export function stageRows(
  order: string[],
  measured: { stage: string; mean: number | null; p99: number | null; fellBack?: number }[],
  baseline: Pick<Baseline, 'stages'> | null,
  firstRun: Record<string, number>,
  requests?: number,
): StageRow[] {
  const by = new Map(measured.map((m) => [m.stage, m]));
  const names = [...new Set(order.map((s) => s.replace(/ \(cached\)$/, '')))];
  return names.map((stage) => {
    const m = by.get(stage) ?? by.get(`${stage} (cached)`);
    const row: StageRow = { stage, meanMs: m?.mean ?? null, p99Ms: m?.p99 ?? null, baselineMs: baseline?.stages[stage] ?? null };
    if (m?.fellBack) {
      row.fellBack = m.fellBack;
      row.note = `CPU fallback in ${m.fellBack}${requests ? `/${requests}` : ''} requests`;
    }
    if (!by.has(stage) && by.has(`${stage} (cached)`)) {
      const first = firstRun[stage] !== undefined ? ` (first time: ${firstRun[stage]!.toFixed(1)} ms once)` : '';
      row.note = `cached per conditioning${first}${row.note ? `; ${row.note}` : ''}`;
    }
    if (stage === 'frontend' && baseline) row.note = 'not in the baseline: it starts from the same token ids';
    return row;
  });
}

const f1 = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(1));

function beforeAfter(before: string, after: string, rows: [string, string, string][]): string[] {
  const row = (a: string, b: string, c: string) => `${a.padEnd(38)} ${b.padStart(20)} ${c.padStart(20)}`;
  return [row('', before, after), ...rows.map((r) => row(...r))];
}

/** The baseline column's label: what the baseline says it is, on what device. */
export function baselineLabel(b: Pick<Baseline, 'name' | 'device'> | null | undefined): string {
  return b ? `${b.name} (${b.device})` : 'baseline';
}

function stageTable(after: string, rows: StageRow[], baseline: string): string[] {
  const line = (a: string, b: string, c: string, d: string, e = '') => `${a.padEnd(30)} ${b.padStart(14)} ${c.padStart(12)} ${d.padStart(12)}${e ? `  ${e}` : ''}`;
  return [
    line('per stage, one request (ms)', baseline, `${after} mean`, `${after} P99`),
    ...rows.map((r) => line(`  ${r.stage}`, f1(r.baselineMs), f1(r.meanMs), f1(r.p99Ms), r.note ?? '')),
  ];
}

/** Lines that say which modules ran on their CPU fallback and why; empty when none did. */
export function fallbackLines(fb: FallbackSummary, fellBack: number, requests: number): string[] {
  const out: string[] = [];
  for (const m of fb.onFallback) {
    out.push(`FALLBACK: ${m.module} ran on its ONNX Runtime CPU fallback for every request (${m.why === 'load' ? 'its engine did not load' : 'its engine failed'}: ${m.reason})`);
  }
  const overran = Object.entries(fb.timeouts).filter(([, n]) => n > 0);
  if (overran.length) {
    out.push(`FALLBACK: calls over the ${fb.timeoutMs} ms timeout (serving.timeout_ms) answered by the CPU fallback: ${overran.map(([m, n]) => `${m} ${n}`).join(', ')}`);
  }
  if (out.length) out.push(`requests that fell back, over the streams sweep: ${fellBack} of ${requests}`);
  const late = Object.entries(fb.overran).filter(([, n]) => n > 0);
  if (late.length) {
    out.push(`OVERRAN: calls over the ${fb.timeoutMs} ms timeout answered late by the primary (the process was busy when the deadline passed, so the fallback could not step in): ${late.map(([m, n]) => `${m} ${n}`).join(', ')}`);
  }
  return out;
}

export function renderOrt(r: OrtReport): string {
  const b = r.baseline;
  const totalReq = r.sweep.reduce((a, s) => a + s.requests, 0);
  const fellBack = r.sweep.reduce((a, s) => a + s.fellBack, 0);
  const tail = (l: LatencyStats | undefined) => (l ? `${f1(l.p99)} (${p99Label(l.n)})` : '-');
  return [
    `emovoice bench — profile ${r.profile}, ${r.textSeconds} s of speech per request (text → audio: ${r.phonemes} phonemes in ${r.parts} part${r.parts > 1 ? 's' : ''} of ≤ ${r.maxTextLen}, ${r.audioSeconds.toFixed(1)} s audio), P99 objective ${r.sloP99Ms} ms`,
    ...beforeAfter(baselineLabel(b), r.fallback.onFallback.length ? `${r.backend} (with fallback)` : r.backend, [
      ['end-to-end latency, mean (ms)', f1(b?.latency.mean), f1(r.single.mean)],
      ['end-to-end latency, median (ms)', f1(b?.latency.p50), f1(r.single.p50)],
      ['end-to-end latency, P99 (ms)', tail(b?.latency), tail(r.single)],
      [`concurrent streams within P99 ${r.sloP99Ms} ms`, b?.maxStreamsWithinSlo != null ? String(b.maxStreamsWithinSlo) : '-', String(r.maxStreamsWithinSlo)],
      ['peak memory (MiB, process RSS)', b?.peakRssMiB != null ? b.peakRssMiB.toFixed(0) : '-', r.peakRssMiB.toFixed(0)],
      ...(r.peakGpuMiB != null || b?.peakGpuMiB != null
        ? [['peak GPU memory (MiB; ours: nvidia-smi above idle, PyTorch: max allocated)', b?.peakGpuMiB != null ? b.peakGpuMiB.toFixed(0) : '-', r.peakGpuMiB != null ? r.peakGpuMiB.toFixed(0) : '-'] as [string, string, string]]
        : []),
      ['audio per request (s)', b ? b.audioSeconds.toFixed(2) : '-', r.audioSeconds.toFixed(2)],
    ]),
    '',
    ...stageTable(r.backend, r.stages, b?.name ?? 'baseline'),
    '',
    `streams  requests  mean ms   p99 ms  req/s  within P99  fell back to CPU  overran timeout`,
    ...r.sweep.map(
      (s) =>
        `${String(s.streams).padStart(7)} ${String(s.requests).padStart(9)} ${f1(s.latency.mean).padStart(8)} ${f1(s.latency.p99).padStart(8)} ${s.throughputRps.toFixed(1).padStart(6)}  ${(s.meetsSlo ? 'yes' : 'no').padEnd(10)}  ${`${s.fellBack}/${s.requests}`.padStart(16)}  ${`${s.overran}/${s.requests}`.padStart(15)}`,
    ),
    ...fallbackLines(r.fallback, fellBack, totalReq),
    `each request: text frontend + pipeline (${r.parts > 1 ? 'parts one after another, ' : ''}conditioning-only stages cached); per-call timeout ${r.fallback.timeoutMs ?? 'none'} ms (serving.timeout_ms); ${r.warmup} warm-up request${r.warmup === 1 ? '' : 's'} not counted on each side; "max of N" where fewer than 100 requests were measured (no P99 from so few)`,
    ...(b ? [`the ${b.name} baseline${b.runtime ? ` (${b.runtime})` : ''} runs the same token ids in the same ${r.parts} part${r.parts > 1 ? 's' : ''} with the same conditioning (${b.audioSeconds.toFixed(2)} s audio), every stage on every request (no cache)`] : []),
  ].join('\n') + '\n';
}

export function renderTrt(r: TrtReport): string {
  const b = r.baseline;
  const first = r.sweep[0];
  const at = first && first.streams !== 1 ? ` at ${first.streams} streams` : '';
  const mods = r.fallback.onFallback.map((m) => m.module);
  return [
    `emovoice bench — profile ${r.profile}, TensorRT ${r.tensorrt} (${r.trtexec}), ${r.textSeconds} s of speech per request (${r.phonemes} phonemes in ${r.parts.length} part${r.parts.length > 1 ? 's' : ''} of ≤ ${r.maxTextLen}), P99 objective ${r.sloP99Ms} ms`,
    ...beforeAfter(baselineLabel(b), mods.length ? 'TensorRT + CPU fallback' : 'TensorRT', [
      [`end-to-end latency, mean (ms)${at}`, f1(b?.latency.mean), f1(first?.meanMs)],
      [`end-to-end latency, P99 (ms)${at}`, b ? `${f1(b.latency.p99)} (${p99Label(b.latency.n)})` : '-', first?.p99EstimateMs != null ? f1(first.p99EstimateMs) : `~${f1(first?.p99Ms)} (sum)`],
      [`concurrent streams within P99 ${r.sloP99Ms} ms`, b?.maxStreamsWithinSlo != null ? String(b.maxStreamsWithinSlo) : '-', String(r.maxStreamsWithinSlo)],
      ['peak GPU memory (MiB)', b?.peakGpuMiB ? b.peakGpuMiB.toFixed(0) : '-', first?.peakGpuMiB != null ? `${first.peakGpuMiB.toFixed(0)} (1 engine)` : '-'],
    ]),
    '',
    ...stageTable('trt', r.stages, b?.name ?? 'baseline'),
    '',
    'streams   mean ms    p99 ms    p99 sum  peak GPU MiB  within P99',
    ...r.sweep.map((s) => `${String(s.streams).padStart(7)} ${f1(s.meanMs).padStart(9)} ${f1(s.p99EstimateMs).padStart(9)} ${f1(s.p99Ms).padStart(10)} ${(s.peakGpuMiB != null ? s.peakGpuMiB.toFixed(0) : '-').padStart(13)}  ${s.meetsSlo ? 'yes' : 'no'}`),
    ...r.fallback.onFallback.map((m) => `FALLBACK: ${m.module} ran on ONNX Runtime on this host's CPU at the same shapes and streams (${m.reason})`),
    `engine times: trtexec's per-call latency per module (logs and --exportTimes traces in ${r.logs}), × parts per request; host steps measured on this host one request at a time; style embedding cached per voice`,
    `p99: of simulated requests whose every call is drawn from that module's measured calls (independent calls); p99 sum: the per-call P99s added up (a rough figure, not a bound: rare slow calls below each call's P99 can add up past it); the objective is judged on p99 where every stage has samples, else on the sum`,
    `peak GPU memory: the largest of the per-engine trtexec processes (TensorRT's own accounting); a server holding every engine needs about their sum`,
  ].join('\n') + '\n';
}
