// The build report as HTML: per module the engine's size, build time, precision and the shapes of its
// optimization profile (min/opt/max, read from the trtexec command the build ran), the measured latency
// where `build --measure` ran; and where trtexec wrote --exportLayerInfo / --exportProfile JSON, the
// slowest layers and each layer's precision, as TREx shows them. The input is build-manifest.json. Pure.
import { layerTable } from '../layers.ts';
import { COLORS, esc, num, table, type Charts } from './page.ts';
import type { ReportInput } from './types.ts';

/** The --minShapes/--optShapes/--maxShapes of a trtexec command, per input: "text_len" → { min, opt, max }. */
export function profileShapes(command: string[]): Record<string, { min?: string; opt?: string; max?: string }> {
  const out: Record<string, { min?: string; opt?: string; max?: string }> = {};
  for (const a of command ?? []) {
    const m = /^--(min|opt|max)Shapes=(.*)$/.exec(a);
    if (!m) continue;
    for (const spec of m[2]!.split(',')) {
      const i = spec.lastIndexOf(':');
      if (i < 0) continue;
      const name = spec.slice(0, i).replace(/^'|'$/g, '');
      (out[name] ??= {})[m[1] as 'min' | 'opt' | 'max'] = spec.slice(i + 1);
    }
  }
  return out;
}

const COLOR_NAMES: Record<string, string> = { '#6a1b9a': 'purple', '#1565c0': 'blue', '#00838f': 'teal', '#ef6c00': 'orange', '#c62828': 'red' };

/* eslint-disable @typescript-eslint/no-explicit-any */
export function buildSection(r: ReportInput, charts: Charts): string {
  const d = r.doc;
  const mods: [string, any][] = Object.entries(d.modules ?? {});
  const out: string[] = [
    `<h2>build — profile ${esc(d.profile?.name)}, TensorRT ${esc(d.tensorrt?.version)} (${esc(d.tensorrt?.dialect)}${d.tensorrt?.mode ? `, ${esc(d.tensorrt.mode)}` : ''})</h2>`,
    `<p>${d.gpu ? `${esc(d.gpu.name)} (compute ${esc(d.gpu.computeCapability ?? '?')}, driver ${esc(d.gpu.driverVersion ?? '?')})` : 'no GPU recorded'}; updated ${esc(d.updatedAt)}. <span class="note">from ${esc(r.source)}</span></p>`,
    table(
      ['module', 'status', 'precision', 'engine MiB', 'build s', 'wall s', 'latency mean ms', 'latency P99 ms', 'GPU compute mean ms'],
      mods.map(([name, m]) => {
        const perf = m.perf ?? m.summary;
        return [
          esc(name),
          m.status === 'failed' ? `<span class="fail">failed</span>` : esc(m.status),
          esc(m.precision ?? '-'),
          m.engine ? num(m.engine.bytes / 1048576, 2) : '-',
          num(m.buildSeconds, 1),
          num(m.wallSeconds, 1),
          num(perf?.latencyMs?.mean, 3),
          num(perf?.latencyMs?.p99, 3),
          num(perf?.gpuComputeMs?.mean, 3),
        ];
      }),
      { failRows: mods.map(([, m]) => m.status === 'failed') },
    ),
  ];
  if (mods.some(([, m]) => m.engine)) {
    out.push(
      charts.canvas(
        {
          type: 'bar',
          data: { labels: mods.map(([n]) => n), datasets: [{ label: 'engine MiB', data: mods.map(([, m]) => (m.engine ? m.engine.bytes / 1048576 : 0)), backgroundColor: COLORS[0], yAxisID: 'y' }, { label: 'build s (wall time where trtexec reported none)', data: mods.map(([, m]) => m.buildSeconds ?? m.wallSeconds ?? 0), backgroundColor: COLORS[1], yAxisID: 'y1' }] },
          options: { scales: { y: { title: { display: true, text: 'MiB' } }, y1: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 's' } } } },
        },
        { height: 220, label: 'engine size and build time' },
      ),
    );
  }
  out.push('<h3>Optimization profile shapes</h3>');
  for (const [name, m] of mods) {
    const shapes = profileShapes(m.command);
    const rows = Object.entries(shapes).map(([input, s]) => [esc(input), esc(s.min ?? '-'), esc(s.opt ?? '-'), esc(s.max ?? '-')]);
    out.push(rows.length ? `<p><b>${esc(name)}</b></p>${table(['input', 'min', 'opt', 'max'], rows)}` : `<p><b>${esc(name)}</b>: <span class="note">static shapes (no --minShapes/--optShapes/--maxShapes)</span></p>`);
    if (m.lastFailure) out.push(`<p class="fail">last failure ${esc(m.lastFailure.at)}: ${esc(m.lastFailure.reason)} (log ${esc(m.lastFailure.log)})</p>`);
  }
  for (const [name, files] of Object.entries(r.layers ?? {})) {
    if (files.info === undefined && files.profile === undefined) continue;
    const t = layerTable(files.info, files.profile, { info: files.infoFile, profile: files.profileFile });
    const timed = t.layers.filter((l) => l.averageMs !== null);
    const top = timed.slice(0, 20);
    out.push(
      `<h3>${esc(name)}: engine layers (${t.layers.length}${t.count != null ? `, profiled over ${t.count} inferences` : ''}${t.totalMs != null ? `, ${num(t.totalMs, 4)} ms per inference in all` : ''})</h3>`,
      `<p class="note">${[files.infoFile && `layer info ${esc(files.infoFile)}`, files.profileFile && `profile ${esc(files.profileFile)}`].filter(Boolean).join('; ')}</p>`,
    );
    const precColor: Record<string, string> = { INT8: '#6a1b9a', FP16: '#1565c0', BF16: '#00838f', FP32: '#ef6c00', FP8: '#c62828' };
    if (top.length) {
      out.push(
        charts.canvas(
          {
            type: 'bar',
            data: { labels: top.map((l) => (l.name.length > 60 ? `${l.name.slice(0, 57)}…` : l.name)), datasets: [{ label: 'average ms per inference (colour: precision)', data: top.map((l) => l.averageMs), backgroundColor: top.map((l) => precColor[l.precision] ?? '#777') }] },
            options: { indexAxis: 'y', plugins: { title: { display: true, text: `top ${top.length} layers by time (${Object.entries(precColor).map(([p, c]) => `${p} ${COLOR_NAMES[c]}`).join(', ')}, other grey)` } } },
          },
          { height: 24 * top.length + 80, label: `${name} top layers by time` },
        ),
      );
    }
    out.push(
      '<div class="grid"><div>',
      charts.canvas(
        {
          type: 'doughnut',
          data: { labels: t.byPrecision.map((p) => p.precision), datasets: [{ label: timed.length ? 'ms per inference' : 'layers', data: t.byPrecision.map((p) => (timed.length ? p.averageMs : p.layers)), backgroundColor: t.byPrecision.map((p) => precColor[p.precision] ?? '#999') }] },
          options: { plugins: { title: { display: true, text: timed.length ? 'time by precision' : 'layers by precision' } } },
        },
        { height: 220, label: `${name} precision share` },
      ),
      '</div><div>',
      table(['precision', 'layers', 'ms per inference'], t.byPrecision.map((p) => [esc(p.precision), String(p.layers), num(p.averageMs, 4)])),
      '</div></div>',
      table(
        ['layer', 'type', 'precision', 'avg ms', '% time', 'outputs', 'tactic'],
        t.layers.map((l) => [esc(l.name), esc(l.type), esc(l.precision), num(l.averageMs, 4), num(l.percentage, 2), esc(l.outputs.join('; ')), `<span class="note">${esc(l.tactic ?? '')}</span>`]),
        { left: 3 },
      ),
    );
  }
  return `<section class="report" data-kind="build">${out.join('\n')}</section>`;
}
