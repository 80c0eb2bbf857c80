// Reporters for comparison results: a fixed-width text table for terminals, JSON for tools, JUnit XML for CI.
// Pure: results in, string out. Infinite/NaN metrics are written as "inf"/"-inf"/"nan" (JSON has no such numbers).
import type { CompareResult, Metrics } from './compare.ts';

const METRIC_COLUMNS: [keyof Metrics, string][] = [
  ['max_abs', 'max_abs'],
  ['mean_abs', 'mean_abs'],
  ['rel_l2', 'rel_l2'],
  ['cosine', 'cosine'],
  ['snr_db', 'snr_db'],
  ['lsd_db', 'lsd_db'],
  ['mcd_db', 'mcd_db'],
];

/** A number in at most 9 characters: fixed for ordinary magnitudes, exponent otherwise. */
export function formatNumber(v: number | undefined): string {
  if (v === undefined) return '-';
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 0.01 && a < 1e5) return Number(v.toPrecision(4)).toString();
  return v.toExponential(2);
}

export function formatTable(results: CompareResult[]): string {
  const header = ['output', 'kind', 'status', ...METRIC_COLUMNS.map(([, h]) => h), 'failed'];
  const rows = results.map((r) => [
    r.name,
    r.kind,
    r.pass ? 'PASS' : 'FAIL',
    ...METRIC_COLUMNS.map(([k]) => formatNumber(r.metrics?.[k])),
    r.failed.length ? r.failed.join(',') + (r.detail ? ` (${r.detail})` : '') : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  // Stryker: equivalent (upper bound changed) — the column after the metrics is the last one, never padded.
  const numeric = (i: number) => i >= 3 && i < 3 + METRIC_COLUMNS.length;
  const line = (cells: string[]) =>
    cells
      // Stryker: equivalent (last cell padded too) — trimEnd() below removes the padding again.
      .map((c, i) => (i === cells.length - 1 ? c : numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const passed = results.filter((r) => r.pass).length;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), `${passed}/${results.length} passed`].join('\n') + '\n';
}

function jsonSafe(_key: string, v: unknown): unknown {
  // Stryker: equivalent (v >= 0) — v is ±∞ here, never 0.
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return v;
}

export function formatJson(results: CompareResult[]): string {
  const passed = results.filter((r) => r.pass).length;
  return JSON.stringify({ pass: passed === results.length, passed, total: results.length, results }, jsonSafe, 2) + '\n';
}

/** XML 1.0 text/attribute escaping; characters XML 1.0 cannot carry at all are dropped. */
export function escapeXml(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function formatJUnit(results: CompareResult[], opts: { suite?: string; timeSec?: number } = {}): string {
  const suite = opts.suite ?? 'emovoice.compare';
  const failures = results.filter((r) => !r.pass).length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${escapeXml(suite)}" tests="${results.length}" failures="${failures}" errors="0">`);
  out.push(`  <testsuite name="${escapeXml(suite)}" tests="${results.length}" failures="${failures}" errors="0" time="${opts.timeSec ?? 0}">`);
  for (const r of results) {
    const open = `    <testcase classname="${escapeXml(suite)}" name="${escapeXml(r.name)}" time="0">`;
    const metrics = METRIC_COLUMNS.filter(([k]) => r.metrics?.[k] !== undefined)
      .map(([k, h]) => `${h}=${formatNumber(r.metrics![k])}`)
      .join(' ');
    if (r.pass) {
      out.push(open, `      <system-out>${escapeXml(metrics)}</system-out>`, '    </testcase>');
      continue;
    }
    const limits = r.failed
      .map((c) => {
        const lim = (r.tolerances as Record<string, number | undefined>)[c];
        return lim === undefined ? c : `${c} (limit ${formatNumber(lim)})`;
      })
      .join(', ');
    const message = `failed: ${limits}${r.detail ? `; ${r.detail}` : ''}`;
    out.push(
      open,
      `      <failure message="${escapeXml(message)}" type="${r.metrics ? 'tolerance' : 'mismatch'}">${escapeXml(`${message}\n${metrics}`)}</failure>`,
      '    </testcase>',
    );
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
