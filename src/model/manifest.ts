// The model manifest (docs/model-manifest.md, format 2): the one place that says what a model is —
// modules and their tensors, the frontend, the conditioning a request may bring, the host steps and
// the graph. Loads and checks it (JSON Schema, files, the graph), resolving files relative to the
// manifest; every problem is a UserError at file:line:col. Format 1 manifests are migrated in memory
// by the family that owns that format (`emovoice migrate` rewrites the file).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, UserErrors, type Place } from '../core/errors.ts';
import { schemaErrors, schemaValidator } from '../core/schema.ts';
import { readYaml, type YamlSource } from '../core/yaml.ts';
import { registry } from '../pipeline/registry.ts';
import { checkManifestOnnx } from './check-onnx.ts';
import { analyzeGraph, type GraphInfo, type Source, type StageSpec } from './graph.ts';
import { checkStreaming, type StreamingSpec } from './streaming.ts';
import { editDistance } from '../core/edit-distance.ts';

export type { StageSpec } from './graph.ts';

export interface TensorSpec {
  dtype: string;
  dims: (number | string)[];
  /** 'waveform' and 'mel' get audio metrics and may be made from real speech in calibration. */
  kind?: 'waveform' | 'mel' | 'generic';
  meaning?: string;
}

export interface ModuleSpec {
  file: string;
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
  /** false: keep this module off the engine path (data-dependent ops); it runs on ONNX Runtime. */
  engine: boolean;
  notes?: string;
}

export type ConditioningKind = 'audio' | 'label' | 'id' | 'text';

export interface ConditioningSpec {
  name: string;
  kind: ConditioningKind;
  /** The CLI option (--<flag>) and request field that sets it. */
  flag: string;
  /** The board tensor it becomes. */
  output: string;
  required: boolean;
  default?: string | number;
  description?: string;
  /** Conditioning sources a request may not give together with this one (names). */
  excludes?: string[];
  seconds?: { min: number; max: number };
  labels?: string[];
  /** label → vector table (.npz, key = label), absolute. */
  table?: string;
  /** label → text (e.g. an emotion label → a style prompt). */
  values?: Record<string, string>;
  /** id → name list (one name a line, id = line index), loaded. */
  names?: string[];
  count?: number;
  /** Board dtype of an id. */
  dtype: 'int32' | 'int64';
}

export interface FrontendSpec {
  name: string;
  /** The symbol table, index = id. */
  symbols: string[];
  output: string;
  dtype: 'int32' | 'int64';
  sampleText?: string;
  language?: string;
  /** The whole `frontend:` section, for the frontend's own options. */
  section: Record<string, unknown>;
}

export interface ModelManifest {
  path: string;
  dir: string;
  /** The format the file is written in (1: migrated in memory). */
  sourceFormat: 1 | 2;
  name: string;
  family: string;
  config: string;
  description?: string;
  audio: { sample_rate: number; hop?: number; mel?: Record<string, unknown> };
  frontend: FrontendSpec;
  conditioning: Record<string, ConditioningSpec>;
  modules: Record<string, ModuleSpec>;
  graph: StageSpec[];
  graphInfo: GraphInfo;
  output: string;
  references: { dir: string; cases: string[] };
  limits: Record<string, number>;
  /** The PyTorch eager baseline: a Python module (run with `python3 -m`; emovoice's reference/ is on its path), and a folder to run it in. */
  baseline?: { python: string; cwd?: string };
  /** The stages that may run on chunks (`streaming:`; src/model/streaming.ts). */
  streaming?: StreamingSpec;
  /** file:line:col of a key path in the manifest file. */
  locate(path: (string | number)[]): Place;
}

export const FORMAT = 'emovoice-model-manifest/2';
const SCHEMA = resolve(dirname(fileURLToPath(import.meta.url)), '../../configs/manifest.schema.json');

/**
 * Phonemes per sentence as served: the profile's serving.max_text_len, else the model's own limit on
 * the dim the frontend's ids fill. synth, bench and the Triton orchestrator all split text at this one number.
 */
export function servedTextLen(serving: { max_text_len?: number } | undefined, manifest: Pick<ModelManifest, 'limits' | 'graph' | 'modules' | 'frontend'>): number {
  if (serving?.max_text_len) return serving.max_text_len;
  const dim = textDim(manifest);
  return (dim && manifest.limits[dim]) || 256;
}

/** The symbolic dim that the frontend's id count fills (from the first module that reads the ids). */
export function textDim(m: Pick<ModelManifest, 'graph' | 'modules' | 'frontend'>): string | undefined {
  for (const st of m.graph) {
    if (!st.module) continue;
    const port = st.in.find(([, t]) => t === m.frontend.output)?.[0];
    const d = port ? m.modules[st.module]?.inputs[port]?.dims.at(-1) : undefined;
    if (typeof d === 'string') return d;
  }
  return undefined;
}

/** Dtype a conditioning source puts on the board. */
export function conditioningDtype(c: Pick<ConditioningSpec, 'kind' | 'table' | 'dtype'>): string {
  if (c.kind === 'audio') return 'float32';
  if (c.kind === 'label') return c.table ? 'float32' : 'text';
  if (c.kind === 'id') return c.dtype;
  return 'text';
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Format 1 (or any older format a family owns) → format 2 data; unknown formats are an error. */
function upgrade(d: any, src: YamlSource): { data: any; sourceFormat: 1 | 2 } {
  if (d?.format === FORMAT) return { data: d, sourceFormat: 2 };
  const migrate = typeof d?.format === 'string' ? registry.migration(d.format) : undefined;
  if (migrate) return { data: migrate(d), sourceFormat: 1 };
  throw new UserError(`format must be "${FORMAT}", got ${JSON.stringify(d?.format)}`, {
    place: src.locate(['format']),
    hint: `start the manifest with format: ${FORMAT} (older formats: ${registry.migrationFormats().join(', ') || 'none'}; \`emovoice migrate\` rewrites them)`,
  });
}

export async function loadModelManifest(path: string): Promise<ModelManifest> {
  const src = await readYaml(path);
  if (!isObj(src.data)) throw new UserError('a model manifest must be a YAML mapping', { place: { file: src.file, line: 1, column: 1 }, hint: `start with format: ${FORMAT}` });
  const m = manifestFromData(src.data, src);
  await checkManifestOnnx(m); // declared names, dtypes and static dims against each file's header
  return m;
}

/** Check and normalise manifest data (already parsed; `src` locates keys in its file). */
export function manifestFromData(raw: any, src: Pick<YamlSource, 'file' | 'locate'>): ModelManifest {
  const { data: d, sourceFormat } = upgrade(raw, src as YamlSource);
  const file = resolve(src.file);
  const dir = dirname(file);
  const locate = (p: (string | number)[]) => src.locate(p);
  const validate = schemaValidator(SCHEMA);
  if (!(validate as (x: unknown) => boolean)(d)) {
    const errs = schemaErrors(validate.errors ?? [], src, 'configs/manifest.schema.json');
    throw errs.length === 1 ? errs[0]! : new UserErrors(errs);
  }
  const errors: UserError[] = [];
  const err = (p: (string | number)[], message: string, hint: string) => errors.push(new UserError(message, { place: locate(p), hint }));
  // A family no code registers is allowed (a model defined by its manifest alone: test/pipeline/family.test.ts),
  // but a name a typo away from a registered one is the typo it looks like, not a new family.
  const near = registry.families.has(d.family) ? undefined : [...registry.families.keys()].find((f) => editDistance(f, String(d.family).toLowerCase()) <= 2);
  if (near) err(['family'], `unknown family "${d.family}" (did you mean ${near}?)`, `use one of: ${[...registry.families.keys()].join(', ')}, or a name of your own for a family defined by this manifest alone`);

  // modules: files exist
  const modules: Record<string, ModuleSpec> = {};
  for (const [name, m] of Object.entries(d.modules as Record<string, any>)) {
    const f = resolve(dir, m.file);
    if (!existsSync(f)) err(["modules", name, "file"], `${m.file} not found (looked for ${f})`, 'give the ONNX file name relative to the manifest, or export/import the model again');
    modules[name] = { file: f, inputs: m.inputs, outputs: m.outputs, engine: m.engine !== false, ...(m.notes && { notes: m.notes }) };
  }

  // frontend
  const fe = d.frontend;
  let symbols: string[] = [];
  if (Array.isArray(fe.symbols)) symbols = fe.symbols;
  else {
    const f = resolve(dir, fe.symbols);
    if (!existsSync(f)) err(['frontend', 'symbols'], `frontend.symbols: ${fe.symbols} not found`, 'give the symbol table file (one symbol a line, id = line index) relative to the manifest, or an inline list');
    else symbols = readFileSync(f, 'utf8').replace(/\r?\n$/, '').split(/\r?\n/);
  }
  if (!registry.frontend(fe.name)) err(['frontend', 'name'], `unknown frontend "${fe.name}"`, `use one of: ${registry.frontendNames().join(', ')}`);
  const frontend: FrontendSpec = {
    name: fe.name,
    symbols,
    output: fe.output,
    dtype: fe.dtype ?? 'int32',
    sampleText: fe.sample_text,
    language: fe.language,
    section: fe,
  };

  // conditioning
  const conditioning: Record<string, ConditioningSpec> = {};
  const flags = new Map<string, string>();
  for (const [name, c] of Object.entries((d.conditioning ?? {}) as Record<string, any>)) {
    const at = ['conditioning', name];
    if (flags.has(c.flag)) err([...at, 'flag'], `--${c.flag} is claimed by both ${flags.get(c.flag)} and ${name}`, 'give each conditioning source its own flag');
    flags.set(c.flag, name);
    const spec: ConditioningSpec = { name, kind: c.kind, flag: c.flag, output: c.output, required: c.required === true, dtype: c.dtype ?? 'int32' };
    if (c.default !== undefined) spec.default = c.default;
    if (c.description) spec.description = c.description;
    if (c.excludes) spec.excludes = c.excludes;
    if (c.kind === 'audio') {
      spec.seconds = c.seconds ?? { min: 1, max: 30 };
      if (spec.seconds!.min > spec.seconds!.max) err([...at, 'seconds'], `seconds: min ${spec.seconds!.min} is above max ${spec.seconds!.max}`, 'swap them');
    } else if (c.kind === 'label') {
      if (!c.labels) err([...at, 'labels'], `a label source needs labels:`, 'list the labels a request may give');
      if (!c.table === !c.values) err(at, `label source ${name} needs exactly one of table: (label → vector) or values: (label → text)`, 'e.g. table: emotions.npz');
      spec.labels = c.labels ?? [];
      if (c.table) {
        spec.table = resolve(dir, c.table);
        if (!existsSync(spec.table)) err([...at, 'table'], `table ${c.table} not found`, 'give the .npz file (key = label) relative to the manifest');
      }
      if (c.values) {
        spec.values = c.values;
        for (const l of spec.labels ?? []) if (!(l in c.values)) err([...at, 'values'], `label "${l}" has no value`, `add ${l}: <text> under values:`);
      }
    } else if (c.kind === 'id') {
      if (c.names) {
        const f = resolve(dir, c.names);
        if (!existsSync(f)) err([...at, 'names'], `names file ${c.names} not found`, 'give the list file (one name a line, id = line index) relative to the manifest');
        else spec.names = readFileSync(f, 'utf8').replace(/\r?\n$/, '').split(/\r?\n/);
      } else if (c.count) spec.count = c.count;
      else err(at, `id source ${name} needs names: (a file) or count:`, 'e.g. names: speakers.txt');
    }
    if (spec.default !== undefined && spec.kind === 'label' && !spec.labels?.includes(String(spec.default))) {
      err([...at, 'default'], `default "${spec.default}" is not one of the labels`, `use one of: ${spec.labels?.join(', ')}`);
    }
    conditioning[name] = spec;
  }

  for (const c of Object.values(conditioning)) {
    for (const [i, x] of (c.excludes ?? []).entries()) {
      if (!conditioning[x]) err(['conditioning', c.name, 'excludes', i], `excludes "${x}", which is not a conditioning source`, `use one of: ${Object.keys(conditioning).join(', ')}`);
    }
  }

  // graph
  const graph: StageSpec[] = (d.graph as any[]).map((g, index) => {
    const mod = g.step ? undefined : (g.module ?? g.id);
    const ioMap = (v: any, fallback: string[]): [string, string][] => {
      if (Array.isArray(v)) return v.map((t: string, i: number) => [String(i), t]);
      if (isObj(v)) return Object.entries(v).map(([k, t]) => [k, String(t)]);
      return fallback.map((n) => [n, n]);
    };
    const m = mod ? d.modules[mod] : undefined;
    return {
      index,
      id: g.id,
      label: g.label ?? g.id,
      ...(mod ? { module: mod } : {}),
      ...(g.step ? { step: g.step } : {}),
      in: ioMap(g.in, m ? Object.keys(m.inputs ?? {}) : []),
      out: ioMap(g.out, m ? Object.keys(m.outputs ?? {}) : []),
      params: g.params ?? {},
    };
  });
  const sources: Source[] = [
    { tensor: 'text', dtype: 'text', from: 'text' },
    { tensor: frontend.output, dtype: frontend.dtype, from: 'frontend' },
    ...Object.values(conditioning).map((c) => ({ tensor: c.output, dtype: conditioningDtype(c), from: `conditioning:${c.name}` })),
  ];
  const { info, issues } = analyzeGraph(graph, sources, modules, d.output, (n) => registry.step(n), registry.stepNames());
  for (const i of issues) err(i.path, i.message, i.hint);
  const streaming: StreamingSpec | undefined = d.streaming ? { dim: d.streaming.dim, stages: d.streaming.stages } : undefined;
  if (streaming && !issues.length) for (const i of checkStreaming(streaming, graph, info.order, modules, d.output)) err(i.path, i.message, i.hint);
  if (errors.length) throw errors.length === 1 ? errors[0]! : new UserErrors(errors);

  return {
    path: file,
    dir,
    sourceFormat,
    name: String(d.name ?? ''),
    family: d.family,
    config: String(d.config ?? ''),
    ...(d.description && { description: d.description }),
    audio: d.audio,
    frontend,
    conditioning,
    modules,
    graph,
    graphInfo: info,
    output: d.output,
    references: { dir: resolve(dir, d.references?.dir ?? 'refs'), cases: d.references?.cases ?? [] },
    limits: d.limits ?? {},
    ...(streaming && { streaming }),
    ...(d.baseline && { baseline: { python: d.baseline.python, ...(d.baseline.cwd && { cwd: resolve(dir, d.baseline.cwd) }) } }),
    locate,
  };
}

/** Stages that run a module, in run order (a module may run in several stages, e.g. one encoder used twice). */
export function moduleStages(m: Pick<ModelManifest, 'graph' | 'graphInfo'>): StageSpec[] {
  const byIndex = new Map(m.graph.map((s) => [s.index, s]));
  return m.graphInfo.order.map((i) => byIndex.get(i)!).filter((s) => s.module);
}

/** Module names in the order the graph first runs them (then any module the graph does not use). */
export function moduleOrder(m: Pick<ModelManifest, 'graph' | 'graphInfo' | 'modules'>): string[] {
  const out: string[] = [];
  for (const s of moduleStages(m)) if (!out.includes(s.module!)) out.push(s.module!);
  for (const name of Object.keys(m.modules)) if (!out.includes(name)) out.push(name);
  return out;
}

/** The tensor kind ('waveform' | 'mel' | 'generic') of a module's output, for choosing metrics. */
export function tensorKind(m: Pick<ModelManifest, 'modules'>, module: string, tensor: string): 'waveform' | 'mel' | 'generic' {
  const t = m.modules[module]?.outputs[tensor] ?? m.modules[module]?.inputs[tensor];
  return t?.kind ?? 'generic';
}

/** A manifest's error for a module name it lacks, listing those it has. */
export function unknownModule(m: Pick<ModelManifest, 'modules' | 'path'>, name: string, what = 'module'): UserError {
  return new UserError(`unknown ${what} "${name}"`, { place: { file: m.path }, hint: `this model's modules: ${Object.keys(m.modules).join(', ')}` });
}

