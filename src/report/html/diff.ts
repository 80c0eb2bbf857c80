// The diff report as HTML: the two runs side by side (what each is, its headline numbers), a chart of
// the measure that matters for the kind (P99 against streams, engine size and latency, SNR per output),
// and every comparison with regressions marked. The input is the two documents and the findings of
// report/diff.ts. Pure.
import { COLORS, badge, esc, num, table, type Charts } from './page.ts';
import type { ReportInput } from './types.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
function headline(kind: string, d: any): [string, string][] {
  if (kind === 'build') {
    return [
      ['profile', esc(d.profile?.name)],
      ['TensorRT', esc(d.tensorrt?.version)],
      ['GPU', esc(d.gpu?.name ?? '-')],
      ['modules', esc(Object.keys(d.modules ?? {}).join(', '))],
      ['engines MiB', num(Object.values<any>(d.modules ?? {}).reduce((a, m) => a + (m.engine?.bytes ?? 0), 0) / 1048576, 2)],
      ['updated', esc(d.updatedAt)],
    ];
  }
  if (kind === 'bench') {
    return [
      ['profile', esc(d.profile)],
      ['backend', esc(d.backend)],
      ['P99 objective ms', String(d.sloP99Ms)],
      ['1 stream mean / P99 ms', `${num(d.single?.mean ?? d.sweep?.[0]?.meanMs, 1)} / ${num(d.single?.p99 ?? d.sweep?.[0]?.p99EstimateMs ?? d.sweep?.[0]?.p99Ms, 1)}`],
      ['streams within objective', String(d.maxStreamsWithinSlo)],
    ];
  }
  const cases: any[] = d.cases ?? [];
  return [
    ['profile', esc(d.profile)],
    ['backend / precision', `${esc(d.backend)} / ${esc(d.precision ?? '-')}`],
    ['cases passed', `${cases.filter((c) => c.pass).length}/${cases.length}`],
    ['WER check', esc(d.wer?.status ?? '-')],
    ['result', badge(!!d.pass)],
  ];
}

export function diffSection(r: ReportInput, charts: Charts): string {
  const d = r.doc;
  const findings: any[] = d.findings ?? [];
  const regressions = findings.filter((f) => f.regression);
  const side = (label: string, src: string, doc: any) => `<div><h3>${label} <span class="note">${esc(src)}</span></h3>${table(['', ''], headline(d.kind, doc).map(([k, v]) => [esc(k), v]))}</div>`;
  const out: string[] = [
    `<h2>diff — ${esc(d.kind)} ${badge(regressions.length === 0, regressions.length ? `${regressions.length} REGRESSION(S)` : 'NO REGRESSION')}</h2>`,
    d.old && d.new ? `<div class="side">${side('before', d.oldSource, d.old)}${side('after', d.newSource, d.new)}</div>` : `<p class="note">from ${esc(r.source)} (diff --json keeps the findings only: run diff --html for both runs side by side)</p>`,
  ];
  if (d.kind === 'bench' && d.old && d.new) {
    const xs = [...new Set([...(d.old.sweep ?? []), ...(d.new.sweep ?? [])].map((s: any) => s.streams))].sort((a, b) => a - b);
    const p99 = (doc: any, x: number) => {
      const s = doc.sweep?.find((y: any) => y.streams === x);
      return s ? (s.latency?.p99 ?? s.p99EstimateMs ?? s.p99Ms ?? null) : null;
    };
    out.push(
      charts.canvas(
        {
          type: 'line',
          data: {
            labels: xs.map(String),
            datasets: [
              { label: 'before P99', data: xs.map((x) => p99(d.old, x)), borderColor: COLORS[1], backgroundColor: COLORS[1] },
              { label: 'after P99', data: xs.map((x) => p99(d.new, x)), borderColor: COLORS[0], backgroundColor: COLORS[0] },
              { label: `P99 objective ${d.new.sloP99Ms} ms`, data: xs.map(() => d.new.sloP99Ms), borderColor: '#c62828', borderDash: [6, 4], pointRadius: 0 },
            ],
          },
          options: { scales: { x: { title: { display: true, text: 'concurrent streams' } }, y: { beginAtZero: true, title: { display: true, text: 'ms' } } } },
        },
        { height: 260, label: 'P99 before and after' },
      ),
    );
  } else {
    // the comparisons of one metric, before next to after
    const metric = d.kind === 'build' ? 'engine bytes' : 'snr_db';
    const sel = findings.filter((f) => f.metric === metric && f.old != null && f.new != null);
    if (sel.length) {
      out.push(
        charts.canvas(
          {
            type: 'bar',
            data: {
              labels: sel.map((f) => f.where),
              datasets: [
                { label: `before ${metric}`, data: sel.map((f) => f.old), backgroundColor: COLORS[1] },
                { label: `after ${metric}`, data: sel.map((f) => f.new), backgroundColor: sel.map((f) => (f.regression ? '#c62828' : COLORS[0])) },
              ],
            },
            options: { plugins: { title: { display: true, text: `${metric}: before and after (red: regression)` } } },
          },
          { height: 240, label: `${metric} before and after` },
        ),
      );
    }
  }
  const shown = [...regressions, ...findings.filter((f) => !f.regression)];
  out.push(
    `<h3>Comparisons (${findings.length}; regressions first)</h3>`,
    table(
      ['where', 'metric', 'before', 'after', 'change', ''],
      shown.map((f) => [esc(f.where), esc(f.metric), num(f.old, 4), num(f.new, 4), esc(f.change), f.regression ? '<span class="fail">REGRESSION</span>' : '<span class="ok">ok</span>']),
      { failRows: shown.map((f) => f.regression), left: 2 },
    ),
  );
  return `<section class="report" data-kind="diff">${out.join('\n')}</section>`;
}
