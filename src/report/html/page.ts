// The shell of every HTML report: one self-contained file (styles, Chart.js and the chart data inlined,
// images and audio as data URIs), so it opens from a CI artifact with no network. Sections are HTML
// strings made by the per-kind renderers; charts are Chart.js configurations (plain JSON) that a few
// lines of inline script hand to Chart.js when the page loads. Pure apart from reading Chart.js's own
// bundle once from node_modules.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A Chart.js configuration as plain JSON (no callbacks): what `new Chart(canvas, config)` takes. */
export interface ChartSpec {
  id: string;
  config: Record<string, unknown>;
  /** CSS height of the chart's box (default 260px). */
  height?: number;
}

/** Collects the charts a page declares; each section asks it for a canvas. */
export class Charts {
  readonly specs: ChartSpec[] = [];
  private n = 0;
  /** A canvas for this chart, and the chart recorded for the page's script. */
  canvas(config: Record<string, unknown>, opts: { height?: number; label?: string } = {}): string {
    const id = `chart-${++this.n}`;
    const height = opts.height ?? 260;
    this.specs.push({ id, config, height });
    return `<div class="chart" style="height:${height}px"><canvas id="${id}" role="img" aria-label="${esc(opts.label ?? 'chart')}"></canvas></div>`;
  }
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** A number for a table cell: fixed digits for ordinary sizes, exponent for tiny or huge ones, '-' for none. */
export function num(v: number | null | undefined, digits = 3): string {
  if (v == null || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v !== 0 && (Math.abs(v) < 10 ** -digits || Math.abs(v) >= 1e7)) return v.toExponential(2);
  return v.toFixed(digits);
}

/** JSON inside a <script> element: `</` and U+2028/9 escaped so no data can end the element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

let chartJs: string | undefined;
/** Chart.js's UMD bundle (the package's own file, inlined as it is). */
export function chartJsSource(): string {
  if (chartJs === undefined) {
    const main = createRequire(import.meta.url).resolve('chart.js');
    chartJs = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  }
  return chartJs;
}

const CSS = `
:root{--fail:#c62828;--failbg:#fdecea;--ok:#2e7d32;--muted:#666;--line:#ddd}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2a44;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header .meta{color:#c9d1e3;font-size:12px;margin-top:4px}
main{padding:12px 24px 40px;max-width:1500px}
section.report{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 18px;margin:14px 0}
h2{font-size:18px;margin:6px 0 10px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:right;vertical-align:top}
th{background:#f2f4f8;font-weight:600}
td.l,th.l{text-align:left}
tr.fail td{background:var(--failbg)}
td.fail,span.fail{color:var(--fail);font-weight:600}
span.ok{color:var(--ok);font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.pass{background:var(--ok);color:#fff}.badge.fail{background:var(--fail);color:#fff}.badge.skip{background:#888;color:#fff}
.note{color:var(--muted);font-size:12px}
.chart{position:relative;width:100%;max-width:900px;margin:8px 0}
.grid{display:flex;flex-wrap:wrap;gap:14px}
.grid>div{flex:1 1 280px;min-width:260px}
.case{border-top:1px solid var(--line);padding-top:8px;margin-top:8px}
.spec img{width:100%;height:140px;image-rendering:pixelated;border:1px solid var(--line);background:#000}
.spec .cap{font-size:12px;color:var(--muted)}
audio{width:100%;max-width:320px;height:32px}
.players{display:flex;flex-wrap:wrap;gap:12px;margin:4px 0}
.players>div{font-size:12px}
.side{display:grid;grid-template-columns:1fr 1fr;gap:16px}
code{font-size:12px;background:#f2f4f8;padding:0 3px;border-radius:3px}
`;

/** The page's chart start-up: every recorded chart drawn at once, without animation (a report is read, not watched). */
const BOOT = `(function(){
var specs=JSON.parse(document.getElementById('emovoice-charts').textContent);
Chart.defaults.animation=false;Chart.defaults.maintainAspectRatio=false;Chart.defaults.responsive=true;
for(var i=0;i<specs.length;i++){var s=specs[i];new Chart(document.getElementById(s.id),s.config);}
document.documentElement.setAttribute('data-charts-drawn',String(specs.length));
})();`;

/**
 * Audio whose data waits in <script type="text/plain" id=…> elements: each player gets its source when it
 * comes within a screen of the viewport (or at once where IntersectionObserver is missing);
 * `emovoiceLoadMedia()` gives every player its source (what scrolling to the end would do).
 */
const MEDIA_BOOT = `(function(){
function load(a){if(a.src)return;var s=document.getElementById(a.getAttribute('data-media'));if(s){a.src=s.textContent;}}
var all=[].slice.call(document.querySelectorAll('audio[data-media]'));
window.emovoiceLoadMedia=function(){all.forEach(load);};
if(!('IntersectionObserver' in window)){window.emovoiceLoadMedia();return;}
var io=new IntersectionObserver(function(es){es.forEach(function(e){if(e.isIntersecting){load(e.target);io.unobserve(e.target);}});},{rootMargin:'1000px 0px'});
all.forEach(function(a){io.observe(a);});
})();`;

export interface PageInput {
  title: string;
  /** One line under the title: what made the report, when. */
  meta: string;
  sections: string[];
  charts: Charts;
}

export function renderPage(p: PageInput): string {
  const charts = p.charts.specs.length
    ? `<script type="application/json" id="emovoice-charts">${scriptJson(p.charts.specs.map(({ id, config }) => ({ id, config })))}</script>\n<script>${chartJsSource()}</script>\n<script>${BOOT}</script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="emovoice">
<title>${esc(p.title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(p.title)}</h1><div class="meta">${esc(p.meta)}</div></header>
<main>
${p.sections.join('\n')}
</main>
${charts}
${p.sections.some((x) => x.includes('data-media=')) ? `<script>${MEDIA_BOOT}</script>` : ''}
</body></html>
`;
}

/** A pass/fail badge. */
export function badge(pass: boolean | 'skip', text?: string): string {
  const cls = pass === 'skip' ? 'skip' : pass ? 'pass' : 'fail';
  return `<span class="badge ${cls}">${esc(text ?? (pass === 'skip' ? 'SKIPPED' : pass ? 'PASS' : 'FAIL'))}</span>`;
}

/** A table from a header row and body rows of ready-made cells; `failRows` marks rows to highlight. */
export function table(head: string[], rows: string[][], opts: { failRows?: boolean[]; left?: number } = {}): string {
  const left = opts.left ?? 1;
  const cell = (tag: string, c: string, i: number) => `<${tag}${i < left ? ' class="l"' : ''}>${c}</${tag}>`;
  return `<table><thead><tr>${head.map((h, i) => cell('th', esc(h), i)).join('')}</tr></thead><tbody>${rows
    .map((r, j) => `<tr${opts.failRows?.[j] ? ' class="fail"' : ''}>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The colours of series in every chart: ours first, the baseline second. */
export const COLORS = ['#1565c0', '#ef6c00', '#2e7d32', '#6a1b9a', '#00838f', '#c62828', '#5d4037', '#455a64'];
