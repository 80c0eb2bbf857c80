// The calibrate report as HTML: what was calibrated on what, the held-out quality of the INT8 module (the
// Q/DQ model, or on an ONNX Runtime profile the integer form its CPU runs) against FP32, the layer-sensitivity ranking as a chart, the held-out cases as spectrograms and
// players (FP32, INT8, the real recording), and what the recogniser heard on each graph. The input is the
// <module>.quality.json that `emovoice calibrate` writes. Pure.
import { audioCase, werSection } from './listen.ts';
import type { MediaBudget } from './media.ts';
import { badge, esc, num, table, type Charts } from './page.ts';
import type { ReportInput } from './types.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The sensitivity measure a ranking is drawn by: SNR where the outputs are waveforms, else MCD, else cosine. */
export function sensitivityMeasure(rows: any[]): { key: string; label: string } {
  if (rows.some((r) => typeof r.snrDb === 'number')) return { key: 'snrDb', label: 'SNR dB vs FP32 with only this layer quantized (lower = more sensitive)' };
  if (rows.some((r) => typeof r.mcdDb === 'number')) return { key: 'mcdDb', label: 'mel-cepstral distortion dB with only this layer quantized (higher = more sensitive)' };
  return { key: 'cosine', label: 'cosine vs FP32 with only this layer quantized (lower = more sensitive)' };
}

export function calibrateSection(r: ReportInput, charts: Charts, budget: MediaBudget): string {
  const d = r.doc;
  const q = d.quality ?? {};
  const c = d.calibration ?? {};
  const werOk = d.wer?.status === 'fail' ? false : d.wer?.status === 'pass' ? true : 'skip';
  const out: string[] = [
    `<h2>calibrate — ${esc(d.module)} (INT8 against FP32) ${werOk === 'skip' ? '' : badge(werOk, werOk ? 'WER PASS' : 'WER FAIL')}</h2>`,
    `<p>${esc(d.model)}: ${c.inputs} inputs from ${num(c.speechSeconds, 1)} s of real speech (${esc(d.inputsFrom)}), method <b>${esc(d.method)}</b>, ${c.tensors} tensors, ${num(c.seconds, 1)} s. ${d.quantizedLayers} layers quantized${d.keptInFloat?.length ? `, kept in float: ${d.keptInFloat.map(esc).join(', ')}` : ''}. <span class="note">from ${esc(r.source)}</span></p>`,
    table(
      [`held-out quality (INT8 ${q.form === 'onnxruntime-cpu-integer' ? "in ONNX Runtime's integer form" : 'Q/DQ'} vs FP32, ONNX Runtime)`, 'inputs', 'SNR dB', 'LSD dB', 'MCD dB', 'cosine'],
      [['all held-out inputs', String(q.heldoutInputs ?? q.cases ?? '-'), num(q.snrDb, 2), num(q.lsdDb, 3), num(q.mcdDb, 3), num(q.cosine, 6)]],
    ),
    `<p class="note">cache ${esc(d.outputs?.cache)} (TensorRT ${esc(d.outputs?.tensorrtVersion)}), Q/DQ model ${esc(d.outputs?.qdqModel)}</p>`,
  ];
  const sens: any[] = d.sensitivity ?? [];
  if (sens.length) {
    const m = sensitivityMeasure(sens);
    out.push(
      '<h3>Layer sensitivity (each layer quantized alone, most sensitive first)</h3>',
      charts.canvas(
        {
          type: 'bar',
          data: { labels: sens.map((s) => `${s.layer} (${s.opType})`), datasets: [{ label: m.label, data: sens.map((s) => s[m.key] ?? null), backgroundColor: sens.map((s) => (d.suggestion?.includes(s.layer) ? '#c62828' : '#1565c0')) }] },
          options: { indexAxis: 'y', plugins: { legend: { display: true } } },
        },
        { height: Math.max(160, 26 * sens.length + 60), label: 'layer sensitivity' },
      ),
      table(
        ['layer', 'op', 'SNR dB', 'LSD dB', 'MCD dB', 'cosine'],
        sens.map((s) => [esc(s.layer), esc(s.opType), num(s.snrDb, 2), num(s.lsdDb, 3), num(s.mcdDb, 3), num(s.cosine, 6)]),
        { left: 2, failRows: sens.map((s) => d.suggestion?.includes(s.layer)) },
      ),
      d.suggestion?.length ? `<p>suggestion: keep ${d.suggestion.map((x: string) => `<code>${esc(x)}</code>`).join(', ')} in FP16 (<code>--keep-fp16 ${d.suggestion.length}</code>)</p>` : '',
    );
  } else out.push('<p class="note">layer sensitivity not ranked (--sensitivity 0)</p>');
  if (r.media?.cases.length) {
    out.push('<h3>Held-out inputs: FP32 against INT8</h3>');
    for (const a of r.media.cases) out.push(audioCase(a, budget));
  }
  out.push(werSection(d.wer, r.media, budget));
  return `<section class="report" data-kind="calibrate">${out.join('\n')}</section>`;
}
