// The precision checks of a profile, before anything is converted or built: every node a keep_fp32 names
// exists, and an INT8 module built strongly typed has the Q/DQ model that `emovoice calibrate` writes.
// Pure: the graph facts and a file-exists function come in as data; every problem comes back at once,
// one UserError each, at the profile line that causes it.
import { UserError } from '../core/errors.ts';
import type { LoadedProfile } from '../profile/load.ts';
import { qdqModelFor } from './files.ts';
import { classifyKeepEntry, keepEntryMatches, RULE_GROUPS } from './rules.ts';
import { editDistance } from '../core/edit-distance.ts';

/** What the checks need of a module's ONNX graph. */
export interface GraphFacts {
  file: string;
  nodes: ReadonlySet<string>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Node names and file of a decoded ONNX model (nodes without a name are named by their first output). */
export function graphFacts(model: any, file: string): GraphFacts {
  return { file, nodes: new Set((model.graph?.node ?? []).map((n: any) => n.name || n.output?.[0])) };
}


function suggest(entry: string, nodes: ReadonlySet<string>): string {
  // the nearest names, if they are near: at most a third of the name changed
  const close = [...nodes]
    .map((n) => ({ n, d: editDistance(entry, n) }))
    .filter((x) => x.d <= Math.max(2, entry.length / 3))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.n);
  const kinds = `an ONNX op type (e.g. LayerNormalization), a rule group (${Object.keys(RULE_GROUPS).join(', ')}), a node name, or a scope ending in "/" (every node under it, e.g. /dp/)`;
  return close.length ? `did you mean ${close.map((c) => `"${c}"`).join(', ')}? keep_fp32 takes ${kinds}` : `keep_fp32 takes ${kinds}`;
}

/** `graphs`: the modules to check; pass every module to check the defaults too (`defaults: true`). */
export function checkKeepFp32(loaded: LoadedProfile, graphs: Readonly<Record<string, GraphFacts>>, opts: { defaults?: boolean } = {}): UserError[] {
  const p = loaded.profile;
  const errs: UserError[] = [];
  (opts.defaults === false ? [] : (p.defaults?.keep_fp32 ?? [])).forEach((entry, i) => {
    const k = classifyKeepEntry(entry);
    if (k.kind !== 'node' && k.kind !== 'scope') return;
    // a node named in defaults applies to every module: it must exist in at least one of them
    if (Object.values(graphs).some((g) => keepEntryMatches(k, g.nodes))) return;
    const all = new Set(Object.values(graphs).flatMap((g) => [...g.nodes]));
    errs.push(new UserError(`keep_fp32 names node "${entry}", which no module's ONNX model has`, { place: loaded.locate(['defaults', 'keep_fp32', i]), hint: suggest(entry, all) }));
  });
  for (const [module, m] of Object.entries(p.modules ?? {})) {
    const g = graphs[module];
    if (!g) continue;
    (m.keep_fp32 ?? []).forEach((entry, i) => {
      if (keepEntryMatches(classifyKeepEntry(entry), g.nodes)) return;
      errs.push(new UserError(`${module}: keep_fp32 names node "${entry}", which ${g.file} does not have`, { place: loaded.locate(['modules', module, 'keep_fp32', i]), hint: suggest(entry, g.nodes) }));
    });
  }
  return errs;
}

/**
 * Strongly typed INT8 builds the Q/DQ model (explicit quantization): it must exist. `modules` is every
 * module with its effective precision. (No calibration set at all is profile/validate.ts's error.)
 */
export function checkInt8Calibration(loaded: LoadedProfile, modules: Readonly<Record<string, string>>, exists: (path: string) => boolean): UserError[] {
  const errs: UserError[] = [];
  for (const [module, precision] of Object.entries(modules)) {
    if (precision !== 'int8') continue;
    const cal = loaded.profile.modules?.[module]?.calibration;
    const qdq = qdqModelFor(module, cal);
    if (!qdq || exists(qdq)) continue;
    errs.push(
      new UserError(`${module}: a strongly typed INT8 build needs the Q/DQ model that calibration writes; ${qdq} does not exist`, {
        // Stryker: equivalent (cal.qdq_model) — a Q/DQ path exists only when cal is set (qdqModelFor).
        place: loaded.locate(['modules', module, 'calibration', cal?.qdq_model ? 'qdq_model' : 'cache']),
        hint: `run \`emovoice calibrate ${module}\` (it writes the calibration cache and ${module}.qdq.onnx side by side)`,
      }),
    );
  }
  return errs;
}

/** A strongly typed build has no per-layer builder precision: only fp32 layer_precisions keep their meaning (keep_fp32). */
export function checkLayerPrecisions(loaded: LoadedProfile): UserError[] {
  const errs: UserError[] = [];
  for (const [module, m] of Object.entries(loaded.profile.modules ?? {})) {
    for (const [layer, precision] of Object.entries(m.layer_precisions ?? {})) {
      if (precision === 'fp32') continue;
      errs.push(
        new UserError(`${module}: layer_precisions ${layer}: ${precision} has no meaning in a strongly typed build (the converted model decides each layer's type)`, {
          place: loaded.locate(['modules', module, 'layer_precisions', layer]),
          hint: 'keep only fp32 entries (they join keep_fp32), or set tensorrt.legacy_precision_flags: true to build with TensorRT 10\'s builder flags',
        }),
      );
    }
  }
  return errs;
}
