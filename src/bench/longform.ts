// The long-form throughput table of `emovoice bench --file`: audio seconds made per wall second at
// batch 1 and at the profile's batch, with peak memory, from `synth --file --json` reports of the same
// text. Pure: reports in, markdown out.

/** What bench reads from one `synth --file --json` run. */
export interface LongformRun {
  batch: number;
  /** Which round (each round runs every batch size once; odd rounds in reverse order). */
  round: number;
  sentences: number;
  madeAudioSeconds: number;
  wallSeconds: number;
  peakRssMiB: number;
  /** Per module: calls made and their mean batch size. */
  batches: Record<string, { calls: number; mean: number }>;
  padding: Record<string, { ok: boolean; relL2: number }>;
}

export interface LongformBench {
  profile: string;
  backend: string;
  file: string;
  machine: string;
  loadBefore: number[];
  loadAfter: number[];
  runs: LongformRun[];
}

const fmt = (x: number, d = 2) => x.toFixed(d);

/** Per batch size: audio seconds per wall second over all its runs (total audio / total wall). */
export function meanRates(runs: readonly LongformRun[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const b of new Set(runs.map((r) => r.batch))) {
    const rs = runs.filter((r) => r.batch === b);
    out.set(b, rs.reduce((a, r) => a + r.madeAudioSeconds, 0) / rs.reduce((a, r) => a + r.wallSeconds, 0));
  }
  return out;
}

export function renderLongformBench(b: LongformBench): string {
  const rates = meanRates(b.runs);
  const base = rates.get(1);
  const rows = b.runs.map((r) => {
    const rate = r.madeAudioSeconds / r.wallSeconds;
    const calls = Object.entries(r.batches).map(([m, c]) => `${m} ${c.calls}×${fmt(c.mean, 1)}`).join(', ');
    return `| ${r.batch} | ${r.round + 1} | ${r.sentences} | ${fmt(r.madeAudioSeconds, 1)} | ${fmt(r.wallSeconds, 1)} | ${fmt(rate)} | ${fmt(r.peakRssMiB, 0)} | ${calls} |`;
  });
  const summary = [...rates].map(([batch, rate]) => `batch ${batch} ${fmt(rate)}${base && batch !== 1 ? ` (${fmt(rate / base)}× batch 1)` : ''}`).join(', ');
  const firsts = [...new Map(b.runs.map((r) => [r.batch, r] as const)).values()];
  const padded = firsts.flatMap((r) => Object.entries(r.padding).map(([m, d]) => `${m} at batch ${r.batch}: ${d.ok ? 'padded' : 'equal shapes only'} (probe rel L2 ${d.relL2.toExponential(1)})`));
  return [
    `long-form throughput: ${b.file}, profile ${b.profile}, backend ${b.backend}`,
    `machine: ${b.machine}; load average before ${b.loadBefore.map((x) => fmt(x)).join(' ')}, after ${b.loadAfter.map((x) => fmt(x)).join(' ')}`,
    '',
    '| batch | round | sentences | audio s | wall s | audio s / wall s | peak RSS MiB | module calls × mean batch |',
    '|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    `audio s / wall s over all rounds: ${summary}`,
    ...(padded.length ? [`padding: ${padded.join('; ')}`] : []),
    'wall seconds are the whole command (start-up, model load, frontend, synthesis, writing); every round runs each batch size once on the same text, alternating the order (1, N then N, 1) so drift in the load of the machine falls on both.',
  ].join('\n') + '\n';
}
