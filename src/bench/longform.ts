// The long-form throughput table of `emovoice bench --file`: audio seconds made per wall second at
// batch 1 and at the profile's batch, with peak memory, from `synth --file --json` reports of the same
// text. Pure: reports in, markdown out.

/** What bench reads from one `synth --file --json` run. */
export interface LongformRun {
  batch: number;
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

export function renderLongformBench(b: LongformBench): string {
  const base = b.runs.find((r) => r.batch === 1);
  const rows = b.runs.map((r) => {
    const rate = r.madeAudioSeconds / r.wallSeconds;
    const calls = Object.entries(r.batches).map(([m, c]) => `${m} ${c.calls}×${fmt(c.mean, 1)}`).join(', ');
    return `| ${r.batch} | ${r.sentences} | ${fmt(r.madeAudioSeconds, 1)} | ${fmt(r.wallSeconds, 1)} | ${fmt(rate)} | ${base ? `${fmt(rate / (base.madeAudioSeconds / base.wallSeconds))}×` : ''} | ${fmt(r.peakRssMiB, 0)} | ${calls} |`;
  });
  const padded = b.runs.flatMap((r) => Object.entries(r.padding).map(([m, d]) => `${m} at batch ${r.batch}: ${d.ok ? 'padded' : 'equal shapes only'} (probe rel L2 ${d.relL2.toExponential(1)})`));
  return [
    `long-form throughput: ${b.file}, profile ${b.profile}, backend ${b.backend}`,
    `machine: ${b.machine}; load average before ${b.loadBefore.map((x) => fmt(x)).join(' ')}, after ${b.loadAfter.map((x) => fmt(x)).join(' ')}`,
    '',
    '| batch | sentences | audio s | wall s | audio s / wall s | vs batch 1 | peak RSS MiB | module calls × mean batch |',
    '|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    ...(padded.length ? [`padding: ${padded.join('; ')}`] : []),
    'wall seconds are the whole command (start-up, model load, frontend, synthesis, writing); each batch size ran once, one after the other, on the same text.',
  ].join('\n') + '\n';
}
