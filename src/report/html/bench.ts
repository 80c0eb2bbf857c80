// The bench report as HTML: ours next to the model's baseline, a latency histogram per streams level,
// P50/P99 against streams with the P99 objective drawn as a line, and the per-stage breakdown. The input
// is `emovoice bench --json`'s document (ONNX Runtime or TensorRT). Pure.
import { COLORS, esc, num, table, type Charts } from './page.ts';
import type { ReportInput } from './types.ts';

/** Equal-width bins over [min, max] of the samples (Freedman–Diaconis width, 5 to 40 bins). Pure. */
export function histogram(xs: number[]): { edges: number[]; counts: number[] } {
  if (!xs.length) return { edges: [], counts: [] };
  const s = [...xs].sort((a, b) => a - b);
  const lo = s[0]!;
  const hi = s[s.length - 1]!;
  const iqr = s[Math.floor(0.75 * (s.length - 1))]! - s[Math.floor(0.25 * (s.length - 1))]!;
  const width = iqr > 0 ? (2 * iqr) / Math.cbrt(s.length) : 0;
  const n = hi === lo ? 1 : Math.max(5, Math.min(40, width > 0 ? Math.ceil((hi - lo) / width) : 10));
  const step = hi === lo ? 1 : (hi - lo) / n;
  const counts = new Array<number>(n).fill(0);
  for (const x of s) counts[Math.min(n - 1, Math.floor((x - lo) / step))]!++;
  return { edges: Array.from({ length: n + 1 }, (_, i) => lo + i * step), counts };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function benchSection(r: ReportInput, charts: Charts): string {
  const d = r.doc;
  const b = d.baseline;
  const trt = d.backend === 'trtexec' || (d.backend === 'trt' && !d.single); // the per-call trtexec report (saved before 'trtexec' was its name: 'trt' without single-stream stats)
  const ours = trt ? 'TensorRT' : `ONNX Runtime (${d.backend})`;
  const baseName = b ? `${b.name} (${b.device})` : 'baseline (not run)';
  const first = d.sweep?.[0];
  const oursLat = trt ? { mean: first?.meanMs, p50: null, p99: first?.p99EstimateMs ?? first?.p99Ms } : d.single;
  const out: string[] = [
    `<h2>bench — profile ${esc(d.profile)}, ${esc(ours)}</h2>`,
    `<p>${d.textSeconds} s of speech per request (${d.phonemes} phonemes, ${Array.isArray(d.parts) ? d.parts.length : d.parts} part(s)${d.audioSeconds ? `, ${num(d.audioSeconds, 2)} s audio` : ''}); P99 objective <b>${d.sloP99Ms} ms</b>. <span class="note">from ${esc(r.source)}</span></p>`,
    table(
      ['', baseName, ours],
      [
        ['end-to-end latency, mean (ms)', num(b?.latency?.mean, 1), num(oursLat?.mean, 1)],
        ['end-to-end latency, median (ms)', num(b?.latency?.p50, 1), num(oursLat?.p50, 1)],
        ['end-to-end latency, P99 (ms)', num(b?.latency?.p99, 1), num(oursLat?.p99, 1)],
        [`concurrent streams within P99 ${d.sloP99Ms} ms`, b?.maxStreamsWithinSlo != null ? String(b.maxStreamsWithinSlo) : '-', String(d.maxStreamsWithinSlo)],
        ['peak memory (MiB)', num(b?.peakRssMiB, 0), num(d.peakRssMiB, 0)],
      ],
    ),
  ];
  // latency histogram per streams level (the raw per-request latencies, where the report kept them)
  const levels: any[] = (d.sweep ?? []).filter((s: any) => Array.isArray(s.latenciesMs) && s.latenciesMs.length);
  if (levels.length) {
    out.push('<h3>End-to-end latency per request, per streams level</h3><div class="grid">');
    for (const s of levels) {
      const h = histogram(s.latenciesMs);
      const base = b?.sweep?.find((x: any) => x.streams === s.streams && Array.isArray(x.latenciesMs));
      const hb = base ? histogramOn(base.latenciesMs, h.edges) : null;
      out.push(
        `<div>${charts.canvas(
          {
            type: 'bar',
            data: {
              labels: h.edges.slice(0, -1).map((e, i) => `${e.toFixed(1)}–${h.edges[i + 1]!.toFixed(1)}`),
              datasets: [{ label: `${ours}: ${s.streams} stream(s), ${s.requests} requests`, data: h.counts, backgroundColor: COLORS[0] }, ...(hb ? [{ label: b.name, data: hb, backgroundColor: COLORS[1] }] : [])],
            },
            options: { plugins: { title: { display: true, text: `${s.streams} stream(s): P50 ${num(s.latency?.p50, 1)} ms, P99 ${num(s.latency?.p99, 1)} ms` } }, scales: { x: { title: { display: true, text: 'latency (ms)' } }, y: { title: { display: true, text: 'requests' } } } },
          },
          { height: 220, label: `latency histogram at ${s.streams} streams` },
        )}</div>`,
      );
    }
    out.push('</div>');
  } else if (d.sweep?.length) out.push(`<p class="note">no per-request latencies in this report (${trt ? 'the TensorRT path combines trtexec per-call samples' : 'made before bench kept them'}): no histogram</p>`);
  // P50/P99 against streams, with the objective
  const sweep: any[] = d.sweep ?? [];
  if (sweep.length) {
    const xs = sweep.map((s) => s.streams);
    const p99 = sweep.map((s) => (trt ? (s.p99EstimateMs ?? s.p99Ms) : s.latency?.p99) ?? null);
    const p50 = sweep.map((s) => (trt ? s.meanMs : s.latency?.p50) ?? null);
    const bs = xs.map((x) => b?.sweep?.find((y: any) => y.streams === x));
    const line = (label: string, data: (number | null)[], color: string, dash?: number[]) => ({ label, data, borderColor: color, backgroundColor: color, borderDash: dash, spanGaps: true, tension: 0 });
    out.push(
      '<h3>Latency against concurrent streams</h3>',
      charts.canvas(
        {
          type: 'line',
          data: {
            labels: xs.map(String),
            datasets: [
              line(`${ours} P99`, p99, COLORS[0]!),
              line(`${ours} ${trt ? 'mean' : 'P50'}`, p50, COLORS[2]!),
              ...(bs.some(Boolean) ? [line(`${b.name} P99`, bs.map((x) => x?.latency?.p99 ?? null), COLORS[1]!), line(`${b.name} P50`, bs.map((x) => x?.latency?.p50 ?? null), COLORS[3]!)] : []),
              { label: `P99 objective ${d.sloP99Ms} ms`, data: xs.map(() => d.sloP99Ms), borderColor: '#c62828', borderDash: [6, 4], pointRadius: 0 },
            ],
          },
          options: { scales: { x: { title: { display: true, text: 'concurrent streams' } }, y: { beginAtZero: true, title: { display: true, text: 'ms' } } } },
        },
        { height: 280, label: 'latency against streams' },
      ),
      table(
        ['streams', 'requests', trt ? 'mean ms' : 'P50 ms', 'P99 ms', 'req/s', 'within P99', 'fell back'],
        sweep.map((s, i) => [String(s.streams), String(s.requests ?? '-'), num(p50[i], 1), num(p99[i], 1), num(s.throughputRps, 1), s.meetsSlo ? '<span class="ok">yes</span>' : '<span class="fail">no</span>', s.fellBack != null ? `${s.fellBack}/${s.requests}` : '-']),
        { failRows: sweep.map((s) => !s.meetsSlo) },
      ),
    );
  }
  // per-stage breakdown, ours next to the baseline
  const stages: any[] = d.stages ?? [];
  if (stages.length) {
    out.push(
      '<h3>Per stage, one request (ms)</h3>',
      charts.canvas(
        {
          type: 'bar',
          data: {
            labels: stages.map((s) => s.stage),
            datasets: [{ label: `${ours} mean`, data: stages.map((s) => s.meanMs), backgroundColor: COLORS[0] }, ...(b ? [{ label: `${b.name} mean`, data: stages.map((s) => s.baselineMs), backgroundColor: COLORS[1] }] : [])],
          },
          options: { indexAxis: 'y', scales: { x: { title: { display: true, text: 'ms' } } } },
        },
        { height: Math.max(160, 34 * stages.length + 70), label: 'per-stage breakdown' },
      ),
      table(
        ['stage', b ? b.name : 'baseline', `${ours} mean`, `${ours} P99`, 'note'],
        stages.map((s) => [esc(s.stage), num(s.baselineMs, 1), num(s.meanMs, 1), num(s.p99Ms, 1), `<span class="note">${esc(s.note ?? '')}</span>`]),
        { left: 1 },
      ),
    );
  }
  const fb = d.fallback?.onFallback ?? [];
  if (fb.length) out.push(`<p class="fail">${fb.map((m: any) => `FALLBACK: ${esc(m.module)} ran on its CPU fallback (${esc(m.reason)})`).join('<br>')}</p>`);
  if (b?.runtime) out.push(`<p class="note">baseline: ${esc(b.runtime)}</p>`);
  return `<section class="report" data-kind="bench">${out.join('\n')}</section>`;
}

/** Counts of xs in the given bins (values outside go to the end bins). */
function histogramOn(xs: number[], edges: number[]): number[] {
  const n = edges.length - 1;
  const counts = new Array<number>(n).fill(0);
  const lo = edges[0]!;
  const step = (edges[n]! - lo) / n || 1;
  for (const x of xs) counts[Math.max(0, Math.min(n - 1, Math.floor((x - lo) / step)))]!++;
  return counts;
}
