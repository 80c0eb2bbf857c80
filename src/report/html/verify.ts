// The verify report as HTML: per module, every case's metrics with the checks that failed highlighted;
// for audio-producing cases, spectrograms and players (reference, engine path, variants); what the
// recogniser heard. The input is `emovoice verify --json`'s document. Pure.
import { audioCase, orderedCases, werSection } from './listen.ts';
import type { MediaBudget } from './media.ts';
import { badge, esc, num, table, type Charts } from './page.ts';
import type { ReportInput } from './types.ts';

const METRICS = ['max_abs', 'mean_abs', 'rel_l2', 'cosine', 'snr_db', 'lsd_db', 'mcd_db'] as const;

/** The metric a failed check is about ("cosine_min" → "cosine"). */
export function checkMetric(check: string): string {
  return check.replace(/_(min|max)$/, '');
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function verifySection(r: ReportInput, charts: Charts, budget: MediaBudget): string {
  const d = r.doc;
  const cases: any[] = d.cases ?? [];
  const failed = cases.filter((c) => !c.pass).length;
  const modules = [...new Set(cases.map((c) => String(c.module)))];
  const out: string[] = [
    `<h2>verify — profile ${esc(d.profile)} (${esc(d.backend)}${d.precision ? `, ${esc(d.precision)}` : ''}) ${badge(!!d.pass)}</h2>`,
    `<p>${cases.length - failed}/${cases.length} cases passed${d.wer?.status === 'fail' ? '; the WER check failed' : ''}. <span class="note">from ${esc(r.source)}</span></p>`,
  ];
  const failingKey = new Set(cases.filter((c) => !c.pass).map((c) => `${c.module}/${c.case}`));
  const media = orderedCases(r.media, (k) => failingKey.has(k));
  // one chart: each case's worst SNR against the tolerance it had, failures in red
  const snr = cases.flatMap((c) => (c.outputs ?? []).filter((o: any) => typeof o.metrics?.snr_db === 'number').map((o: any) => ({ label: `${c.module}/${c.case}/${o.name}`, snr: o.metrics.snr_db as number, min: o.tolerances?.snr_db_min as number | undefined, pass: !!o.pass })));
  if (snr.length) {
    out.push(
      '<h3>SNR of every output against PyTorch (dB)</h3>',
      charts.canvas(
        {
          type: 'bar',
          data: {
            labels: snr.map((s) => s.label),
            datasets: [
              { label: 'SNR dB', data: snr.map((s) => Math.min(200, s.snr)), backgroundColor: snr.map((s) => (s.pass ? '#1565c0' : '#c62828')) },
              ...(snr.some((s) => s.min !== undefined) ? [{ type: 'line', label: 'tolerance (snr_db_min)', data: snr.map((s) => s.min ?? null), borderColor: '#ef6c00', pointRadius: 3, showLine: false }] : []),
            ],
          },
          options: { indexAxis: 'x', plugins: { legend: { display: true } }, scales: { x: { ticks: { autoSkip: true, maxRotation: 60 } } } },
        },
        { height: 240, label: 'SNR per output' },
      ),
    );
  }
  for (const m of modules) {
    const rows: string[][] = [];
    const fails: boolean[] = [];
    for (const c of cases.filter((x) => x.module === m)) {
      if (!c.outputs?.length) {
        rows.push([esc(c.case), '-', '-', ...METRICS.map(() => '-'), num(c.ms, 1), `<span class="fail">${esc(c.error ?? 'no outputs')}</span>`]);
        fails.push(true);
        continue;
      }
      for (const o of c.outputs) {
        const bad = new Set<string>((o.failed ?? []).map(checkMetric));
        const cells = METRICS.map((k) => {
          const v = o.metrics?.[k];
          return bad.has(k) ? `<span class="fail">${num(v, k === 'cosine' ? 6 : 3)}</span>` : num(v, k === 'cosine' ? 6 : 3);
        });
        // a case judged beyond the plain comparison says how (an e2e case with PyTorch's durations pinned)
        const note = c.note ? ` <span class="note">(${esc(c.note)})</span>` : '';
        rows.push([esc(c.case), esc(o.name), esc(o.kind), ...cells, num(c.ms, 1), (o.pass ? '<span class="ok">pass</span>' : `<span class="fail">${esc((o.failed ?? []).join(', '))}${o.detail ? `: ${esc(o.detail)}` : ''}</span>`) + note]);
        fails.push(!o.pass);
      }
    }
    out.push(`<h3>${esc(m)}</h3>`, table(['case', 'output', 'kind', ...METRICS, 'ms', 'result'], rows, { failRows: fails, left: 3 }));
    for (const a of media.filter((x) => x.key.startsWith(`${m}/`))) out.push(audioCase(a, budget));
  }
  out.push(werSection(d.wer, r.media, budget));
  if (Array.isArray(d.debugLayers) && d.debugLayers.length) {
    out.push(
      '<h3>First departing intermediate tensor (--debug-layers)</h3>',
      table(
        ['module', 'case', 'first departure', 'rel L2', 'tensors compared'],
        d.debugLayers.map((x: any) => [esc(x.module), esc(x.case), esc(x.first?.tensor ?? 'none'), num(x.first?.relL2 ?? x.worst?.relL2), String(x.compared ?? '-')]),
        { left: 3 },
      ),
    );
  }
  return `<section class="report" data-kind="verify">${out.join('\n')}</section>`;
}
