// Self-contained HTML reports of verify, calibrate, bench, build and diff: one renderer for them all,
// used by each command's --html and by `emovoice report <json…> --html`. Pure: report documents (and
// the audio a run had in memory) in, one HTML string out.
import { kindOf } from '../diff.ts';
import { benchSection } from './bench.ts';
import { buildSection } from './build.ts';
import { calibrateSection } from './calibrate.ts';
import { diffSection } from './diff.ts';
import { DEFAULT_MEDIA_BYTES, MediaBudget } from './media.ts';
import { Charts, esc, renderPage } from './page.ts';
import type { ReportInput, ReportKind } from './types.ts';
import { verifySection } from './verify.ts';

export type { AudioCase, LayerFiles, ReportInput, ReportKind, ReportMedia } from './types.ts';
export { emptyMedia } from './types.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The kind of a saved report: the three diff knows, a calibrate quality report, or a diff --json output. */
export function reportKind(doc: any): ReportKind | null {
  const k = kindOf(doc);
  if (k) return k;
  if (typeof doc?.module === 'string' && doc?.quality && Array.isArray(doc?.sensitivity) && doc?.calibration) return 'calibrate';
  if (Array.isArray(doc?.findings) && typeof doc?.regressions === 'number' && typeof doc?.kind === 'string') return 'diff';
  return null;
}

export interface RenderOptions {
  title?: string;
  /** Bytes of audio and images the page may hold (default 16 MB); beyond it media are left out, and the page says how many. */
  mediaBytes?: number;
  /** Shown under the title (default: the time now). */
  meta?: string;
}

export function renderReports(inputs: ReportInput[], opts: RenderOptions = {}): string {
  const charts = new Charts();
  const budget = new MediaBudget(opts.mediaBytes ?? DEFAULT_MEDIA_BYTES);
  const sections = inputs.map((r) => {
    switch (r.kind) {
      case 'verify':
        return verifySection(r, charts, budget);
      case 'calibrate':
        return calibrateSection(r, charts, budget);
      case 'bench':
        return benchSection(r, charts);
      case 'build':
        return buildSection(r, charts);
      case 'diff':
        return diffSection(r, charts);
    }
  });
  if (budget.left_out) sections.push(`<section class="report"><p class="note">${budget.left_out} audio clip(s) or spectrogram set(s) left out to keep this page under its ${(budget.limit / 1048576).toFixed(0)} MB media budget (failing cases come first).</p></section>`);
  const kinds = [...new Set(inputs.map((r) => r.kind))].join(', ');
  return renderPage({
    title: opts.title ?? `emovoice ${kinds} report`,
    meta: opts.meta ?? `made by emovoice on ${new Date().toISOString()} from ${inputs.map((r) => r.source).join(', ')}`,
    sections: sections.length ? sections : [`<section class="report"><p>${esc('no reports')}</p></section>`],
    charts,
  });
}
