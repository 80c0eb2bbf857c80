// trtexec's per-layer JSON, read the way NVIDIA's TensorRT Engine Explorer (TREx) reads it:
// --exportLayerInfo (`{"Layers": [...], "Bindings": [...]}`, each layer with its type and the
// "Format/Datatype" of its inputs and outputs; with --profilingVerbosity=detailed) and --exportProfile
// (`[{"count": n}, {"name", "timeMs", "averageMs", "medianMs"?, "percentage"}, ...]`). Joined by layer name:
// each layer's time, share and precision. Pure; a file of another shape is a UserError naming it.
import { UserError } from '../core/errors.ts';

export interface LayerRow {
  name: string;
  type: string;
  /** From the layer's output format (TREx's rule: the output's data type is the layer's precision). */
  precision: string;
  averageMs: number | null;
  percentage: number | null;
  tactic: string | null;
  outputs: string[];
}

export interface LayerTable {
  layers: LayerRow[];
  /** Profiled inferences (the profile's first record), when known. */
  count: number | null;
  totalMs: number | null;
  /** Per precision: layers and time. */
  byPrecision: { precision: string; layers: number; averageMs: number }[];
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const PRECISIONS: [RegExp, string][] = [
  [/\bint8\b|int8 format|\bInt8\b/i, 'INT8'],
  [/\bfp8\b/i, 'FP8'],
  [/\bbf16\b/i, 'BF16'],
  [/\bfp16\b|\bhalf\b/i, 'FP16'],
  [/\bfp32\b|\bfloat\b/i, 'FP32'],
  [/\bint32\b/i, 'INT32'],
  [/\bint64\b/i, 'INT64'],
  [/\bbool\b/i, 'BOOL'],
];

/** The precision a "Format/Datatype" string names ("Thirty-two wide channel vectorized row major Int8 format" → INT8). */
export function formatPrecision(format: string): string {
  for (const [re, p] of PRECISIONS) if (re.test(format)) return p;
  return 'other';
}

function precisionOf(layer: any): string {
  const outs: any[] = Array.isArray(layer?.Outputs) ? layer.Outputs : [];
  const f = outs.map((o) => String(o?.['Format/Datatype'] ?? '')).find(Boolean);
  return f ? formatPrecision(f) : 'unknown';
}

/** Layers of an --exportLayerInfo file (objects with detailed verbosity; names only otherwise). */
export function parseLayerInfo(doc: unknown, file = '<layer info>'): { name: string; type: string; precision: string; tactic: string | null; outputs: string[] }[] {
  const layers = (doc as any)?.Layers;
  if (!Array.isArray(layers)) {
    throw new UserError('not trtexec --exportLayerInfo JSON (no "Layers" list)', { place: { file }, hint: 'pass the file trtexec wrote with --exportLayerInfo=<file> --profilingVerbosity=detailed' });
  }
  return layers.map((l: any) =>
    typeof l === 'string'
      ? { name: l, type: 'unknown', precision: 'unknown', tactic: null, outputs: [] }
      : {
          name: String(l?.Name ?? ''),
          type: String(l?.LayerType ?? l?.ParameterType ?? 'unknown'),
          precision: precisionOf(l),
          tactic: l?.TacticName != null ? String(l.TacticName) : null,
          outputs: (Array.isArray(l?.Outputs) ? l.Outputs : []).map((o: any) => `${(o?.Dimensions ?? []).join('×')} ${o?.['Format/Datatype'] ?? ''}`.trim()),
        },
  );
}

/** Records of an --exportProfile file: the inference count and each layer's times. */
export function parseLayerProfile(doc: unknown, file = '<profile>'): { count: number | null; layers: { name: string; averageMs: number; timeMs: number; percentage: number | null }[] } {
  if (!Array.isArray(doc)) {
    throw new UserError('not trtexec --exportProfile JSON (expected a list of layer records)', { place: { file }, hint: 'pass the file trtexec wrote with --exportProfile=<file>' });
  }
  let count: number | null = null;
  const layers: { name: string; averageMs: number; timeMs: number; percentage: number | null }[] = [];
  for (const r of doc as any[]) {
    if (r && typeof r.count === 'number' && r.name === undefined) {
      count = r.count;
      continue;
    }
    if (!r || typeof r.name !== 'string') continue;
    const avg = Number(r.averageMs ?? r.medianMs ?? NaN);
    layers.push({ name: r.name, averageMs: Number.isFinite(avg) ? avg : 0, timeMs: Number(r.timeMs ?? 0), percentage: typeof r.percentage === 'number' ? r.percentage : null });
  }
  if (!layers.length) throw new UserError('trtexec --exportProfile JSON with no layer records', { place: { file }, hint: 'profile the engine with trtexec --exportProfile=<file> (it needs an inference run)' });
  return { count, layers };
}

/** Layer info and profile joined by name (either may be missing), slowest first where timed. */
export function layerTable(info: unknown | undefined, profile: unknown | undefined, files: { info?: string; profile?: string } = {}): LayerTable {
  const described = info !== undefined ? parseLayerInfo(info, files.info) : [];
  const timed = profile !== undefined ? parseLayerProfile(profile, files.profile) : null;
  const byName = new Map(described.map((l) => [l.name, l]));
  const rows: LayerRow[] = [];
  const seen = new Set<string>();
  for (const t of timed?.layers ?? []) {
    const d = byName.get(t.name);
    seen.add(t.name);
    rows.push({ name: t.name, type: d?.type ?? (/^Reformatting CopyNode/.test(t.name) ? 'Reformat' : 'unknown'), precision: d?.precision ?? 'unknown', averageMs: t.averageMs, percentage: t.percentage, tactic: d?.tactic ?? null, outputs: d?.outputs ?? [] });
  }
  for (const d of described) if (!seen.has(d.name)) rows.push({ ...d, averageMs: null, percentage: null });
  if (timed) rows.sort((a, b) => (b.averageMs ?? -1) - (a.averageMs ?? -1));
  const groups = new Map<string, { layers: number; averageMs: number }>();
  for (const r of rows) {
    const g = groups.get(r.precision) ?? { layers: 0, averageMs: 0 };
    g.layers++;
    g.averageMs += r.averageMs ?? 0;
    groups.set(r.precision, g);
  }
  return {
    layers: rows,
    count: timed?.count ?? null,
    totalMs: timed ? timed.layers.reduce((a, l) => a + l.averageMs, 0) : null,
    byPrecision: [...groups].map(([precision, g]) => ({ precision, ...g })).sort((a, b) => b.averageMs - a.averageMs || b.layers - a.layers),
  };
}
