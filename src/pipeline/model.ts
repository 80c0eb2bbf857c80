// Opening a model for running: the manifest plus what its declaration needs at run time — the family
// frontend, one host step per step stage (parameters checked), the label tables of its conditioning,
// and per-stage facts the executor uses on every request (which conditioning a stage depends on).
// Adapter (factories may read files or start a process); the manifest itself stays plain data.
import { UserError } from '../core/errors.ts';
import { conditioningDtype, servedTextLen, type ModelManifest } from '../model/manifest.ts';
import { stageDependencies } from '../model/graph.ts';
import { escapeControls } from '../core/terminal.ts';
import { assertSpeakable, cleanText } from '../text/clean.ts';
import { readNpz } from '../tensor/io.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { registry } from './registry.ts';
import type { FactoryContext, Frontend, HostStep } from './types.ts';

export interface OpenModel {
  manifest: ModelManifest;
  frontend: Frontend;
  /** Stage index → its host step (step stages only). */
  steps: Map<number, HostStep>;
  /** Stage index → the sources it depends on ('text', 'frontend', 'conditioning:<name>'). */
  deps: Map<number, Set<string>>;
  /** Conditioning name → label → vector [1, dim] (label sources with a table). */
  tables: Record<string, Record<string, Tensor>>;
  /** Most ids per sentence (serving.max_text_len, else the model's limit). */
  maxTextLen: number;
  sampleRate: number;
  /** Output samples per acoustic frame (audio.hop, else audio.mel.hop), for frame counts. */
  hop: number;
  /** serving.chunk_frames: whole requests run the last streaming stage on chunks of at most this many frames (absent: whole; src/pipeline/chunked.ts). */
  chunkFrames?: number;
  /** serving.overlap_parts: a long request's next part starts while the one before it is still running (src/synth/speak.ts). */
  overlapParts?: boolean;
  close(): Promise<void>;
}

export async function openModel(m: ModelManifest, serving?: { max_text_len?: number; chunk_frames?: number; overlap_parts?: boolean }): Promise<OpenModel> {
  const ctx = (path: (string | number)[]): FactoryContext => ({ manifestPath: m.path, dir: m.dir, audio: m.audio, place: m.locate(path) });
  const fe = registry.frontend(m.frontend.name)!;
  const frontend = requestText(await fe.create(m.frontend.section, m.frontend.symbols, ctx(['frontend'])));
  const steps = new Map<number, HostStep>();
  for (const st of m.graph) {
    if (!st.step) continue;
    steps.set(st.index, await registry.step(st.step)!.create(st.params, ctx(['graph', st.index, 'params'])));
  }
  const tables: OpenModel['tables'] = {};
  for (const c of Object.values(m.conditioning)) {
    if (c.kind !== 'label' || !c.table || conditioningDtype(c) !== 'float32') continue;
    const npz = await readNpz(c.table);
    tables[c.name] = {};
    for (const label of c.labels ?? []) {
      const t = npz[label];
      if (!t) {
        throw new UserError(`label "${label}" has no vector in ${c.table}`, {
          place: m.locate(['conditioning', c.name, 'labels']),
          hint: 'add it to the table (re-export the model) or remove the label',
        });
      }
      tables[c.name]![label] = { dtype: 'float32', shape: [1, t.data.length], data: t.data };
    }
  }
  const hop = Number(m.audio.hop ?? (m.audio.mel as { hop?: number } | undefined)?.hop ?? 1);
  return {
    manifest: m,
    frontend,
    steps,
    deps: stageDependencies(m.graph, m.graphInfo),
    tables,
    maxTextLen: servedTextLen(serving, m),
    sampleRate: m.audio.sample_rate,
    hop,
    ...(serving?.chunk_frames && m.streaming && { chunkFrames: serving.chunk_frames }),
    ...(serving?.overlap_parts && { overlapParts: true }),
    close: async () => {
      await frontend.close?.();
    },
  };
}

/**
 * Every family's frontend behind the same door: control characters and escape sequences removed (with
 * a warning), and a text with nothing to say refused, before the family's own frontend sees it.
 */
function requestText(inner: Frontend): Frontend {
  return {
    name: inner.name,
    ...(inner.languages && { languages: inner.languages }),
    async toIds(text, opts) {
      // a language hint this frontend does not take is refused, not ignored
      const takes = inner.languages ?? ['auto'];
      if (opts.language !== undefined && !takes.includes(opts.language)) {
        throw new UserError(`--language ${escapeControls(opts.language)}: the ${inner.name} frontend takes ${takes.join(', ')}`, {
          hint: inner.languages ? `use one of: ${takes.join(', ')}` : 'leave --language out: this frontend reads the language from the text (or its voice)',
        });
      }
      const clean = cleanText(text);
      assertSpeakable(clean.text);
      const r = await inner.toIds(clean.text, opts);
      return clean.warnings.length ? { ...r, warnings: [...clean.warnings, ...r.warnings] } : r;
    },
    // the sentence cut (long-form synthesis) sees the text as given: each sentence then comes through toIds above
    ...(inner.sentences && { sentences: (text: string) => inner.sentences!(text) }),
    ...(inner.close && { close: () => inner.close!() }),
  };
}
