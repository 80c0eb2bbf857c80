// The streaming benchmark behind `emovoice bench --stream`: concurrent streams of streaming requests, each
// timed to its first audio and to its last, and the table that puts the two side by side with the
// baseline's own first audio (piper-tts: its first sentence). Time is measured, not assumed; the
// statistics and the table are pure.
import type { StageTiming } from '../pipeline/executor.ts';
import { p99Label, stats, type LatencyStats } from './load.ts';
import type { Baseline } from './report.ts';

export interface StreamLevel {
  streams: number;
  requests: number;
  firstAudio: LatencyStats;
  full: LatencyStats;
  throughputRps: number;
}

/** `streams` concurrent loops of `perStream` streaming requests; each request reports its own two times. */
export async function runStreamLevel(serve: () => Promise<{ firstAudioMs: number; totalMs: number }>, streams: number, perStream: number): Promise<StreamLevel> {
  const first: number[] = [];
  const full: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let i = 0; i < perStream; i++) {
        const r = await serve();
        first.push(r.firstAudioMs);
        full.push(r.totalMs);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  return { streams, requests: full.length, firstAudio: stats(first), full: stats(full), throughputRps: full.length / wall };
}

/** Mean ms per stage of what the first audio was made of, over requests (stage names in first-seen order). */
export function meanStages(lists: StageTiming[][]): { stage: string; ms: number }[] {
  const by = new Map<string, number>();
  for (const l of lists) for (const t of l) by.set(t.stage, (by.get(t.stage) ?? 0) + t.ms);
  return [...by].map(([stage, ms]) => ({ stage, ms: ms / Math.max(1, lists.length) }));
}

export interface StreamBenchReport {
  profile: string;
  machine: string;
  load: { start: number[]; end: number[] };
  text: string;
  textSeconds: number;
  audioSeconds: number;
  phonemes: number;
  parts: number;
  chunks: { firstFrames: number; frames: number; samplesPerFrame: number; sampleRate: number };
  context: { stage: string; left: number; right: number }[];
  warmup: number;
  /** Whole-utterance requests (no streaming) at one stream, the same text: what streaming costs in full latency. */
  whole: LatencyStats;
  levels: StreamLevel[];
  firstAudioStages: { stage: string; ms: number }[];
  baseline: (Baseline & { sweep?: NonNullable<Baseline['sweep']> }) | null;
  verdict: { ratioP50: number; ratioP99: number; belowBaselineFirstP50: boolean | null; belowBaselineFirstP99: boolean | null };
  warnings: string[];
}

const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(0));
const pair = (s: LatencyStats | undefined) => (s ? `${ms(s.p50)} / ${ms(s.p99)}` : '-');

export function renderStream(r: StreamBenchReport): string {
  const b = r.baseline;
  const bName = b?.name ?? 'baseline';
  const head = ['streams', 'requests', 'first audio P50 / P99', 'full P50 / P99', 'first ÷ full (P50)', `${bName} first audio`, `${bName} full`];
  const rows = r.levels.map((l) => {
    const bl = b?.sweep?.find((x) => x.streams === l.streams);
    const bFirst = bl?.firstAudio ?? (l.streams === 1 ? b?.firstAudio : undefined);
    return [String(l.streams), String(l.requests), pair(l.firstAudio), pair(l.full), `${((l.firstAudio.p50 / l.full.p50) * 100).toFixed(1)} %`, pair(bFirst), pair(bl?.latency ?? (l.streams === 1 ? b?.latency : undefined))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padStart(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const n = r.levels[0]?.requests ?? 0;
  const v = r.verdict;
  return [
    `bench --stream: profile ${r.profile}, ${r.machine}`,
    `load average ${r.load.start.map((x) => x.toFixed(1)).join(' / ')} at the start, ${r.load.end.map((x) => x.toFixed(1)).join(' / ')} at the end (1 / 5 / 15 min)`,
    `request: ${r.phonemes} phonemes in ${r.parts} part${r.parts === 1 ? '' : 's'}, ${r.audioSeconds.toFixed(2)} s of audio; chunks of ${r.chunks.frames} frames (the first ${r.chunks.firstFrames}), ${r.chunks.samplesPerFrame} samples a frame at ${r.chunks.sampleRate} Hz`,
    `context per chunk (from the ONNX graphs): ${r.context.map((c) => `${c.stage} ${c.left} left / ${c.right} right`).join(', ')}`,
    `times in ms from text in; P99 columns are "${p99Label(n)}" at ${n} requests a level; ${r.warmup} warm-up requests first`,
    '',
    line(head),
    `|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
    '',
    `whole-utterance requests (no streaming), 1 stream: P50 ${ms(r.whole.p50)} ms, ${p99Label(r.whole.n)} ${ms(r.whole.p99)} ms`,
    `first audio is made of (mean ms, 1 stream): ${r.firstAudioStages.map((s) => `${s.stage} ${s.ms.toFixed(1)}`).join(', ')}`,
    ...(b ? [`${bName}: ${b.runtime ?? ''}`] : ['no baseline column (--baseline none, or it could not run)']),
    `1 stream: first audio is ${(v.ratioP50 * 100).toFixed(1)} % of full latency at P50 (${(v.ratioP99 * 100).toFixed(1)} % at P99)` +
      (v.belowBaselineFirstP50 === null ? '' : `; ${v.belowBaselineFirstP50 ? 'below' : 'NOT below'} ${bName}'s first audio at P50, ${v.belowBaselineFirstP99 ? 'below' : 'NOT below'} at P99`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ].join('\n') + '\n';
}
