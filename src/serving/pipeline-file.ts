// pipeline.json: the model manifest normalised for the Triton orchestrator (src/serving/orchestrator.py),
// which has no YAML reader, no registry and no TypeScript. Everything it needs to walk the graph of any
// family: the stages in run order with their ports, params and the sources they depend on (for the
// stage cache), each module's Triton models and input limits, the conditioning sources with their
// request fields, the frontend's output, the audio section and the limits. Pure: which strings name
// files comes in as a predicate, and the files to copy go out as a list (src/cli/package.ts copies them).
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { conditioningDtype, type ConditioningSpec, type ModelManifest, type TensorSpec } from '../model/manifest.ts';
import { stageDependencies, type StageSpec } from '../model/graph.ts';
import { registry } from '../pipeline/registry.ts';
import type { ConditioningInputs, RequestContract } from './contract.ts';
import type { FrontendFile } from './frontend-server.ts';
import type { ModuleModels, ServingPlan } from './triton.ts';

export const PIPELINE_FORMAT = 'emovoice-serving-pipeline/1';

/** A stage of the manifest's graph as the orchestrator reads it (its ports as in the manifest). */
export interface PipelineStage extends Omit<StageSpec, 'index'> {
  /** Params with file names rewritten to the bundled copies (relative to pipeline.json's folder). */
  params: Record<string, unknown>;
  /** Sources the stage depends on through the graph: 'text', 'frontend', 'conditioning:<name>'. */
  depends_on: string[];
  /** Step stages: the registry's port facts the planner needs. */
  variadic?: boolean;
  trivial?: boolean;
  optional_inputs?: string[];
  optional_outputs?: string[];
}

export interface PipelineModule extends ModuleModels {
  inputs: Record<string, TensorSpec & { max: (number | null)[] }>;
  outputs: Record<string, TensorSpec>;
}

/** A conditioning source as the orchestrator reads it: the manifest's spec, with these differences. */
export interface PipelineConditioning extends Omit<ConditioningSpec, 'dtype' | 'table'> {
  /** Board dtype: float32 (audio, a label's vector), int32/int64 (an id), text. */
  dtype: string;
  /** label → vector: the bundled .npz (key = label), relative to pipeline.json. */
  table?: string;
  /** The Triton inputs that carry it. */
  inputs: ConditioningInputs;
}

export interface ServingPipeline {
  format: typeof PIPELINE_FORMAT;
  name: string;
  family: string;
  audio: ModelManifest['audio'];
  frontend: { name: string; output: string; dtype: string; input: string; file: string };
  max_text_len: number;
  limits: Record<string, number>;
  modules: Record<string, PipelineModule>;
  conditioning: PipelineConditioning[];
  graph: PipelineStage[];
  output: string;
}

/** A file the bundle needs: copy `from` (absolute) to `to` (relative to the orchestrator's version folder). */
export interface BundleFile {
  from: string;
  to: string;
}

/**
 * Collects files named by manifest strings: each file gets one bundled name under assets/ (its path
 * relative to the manifest, or its base name for files outside the model's folder).
 */
class Assets {
  readonly files: BundleFile[] = [];
  private readonly named = new Map<string, string>();
  constructor(private readonly dir: string, private readonly isFile: (abs: string) => boolean) {}

  add(abs: string): string {
    const had = this.named.get(abs);
    if (had) return had;
    const rel = relative(this.dir, abs);
    const inside = rel && !rel.startsWith('..') && !isAbsolute(rel);
    let to = ['assets', ...(inside ? rel.split(sep) : ['external', abs.split(sep).at(-1)!])].join('/');
    for (let i = 2; this.files.some((f) => f.to === to); i++) to = to.replace(/(\.[^./]*)?$/, `-${i}$1`);
    this.named.set(abs, to);
    this.files.push({ from: abs, to });
    return to;
  }

  /** A step's or frontend's options with every string that names an existing file replaced by its bundled name. */
  rewrite(v: unknown, skip: string[] = []): unknown {
    if (typeof v === 'string') {
      const abs = resolve(this.dir, v);
      return v && this.isFile(abs) ? this.add(abs) : v;
    }
    if (Array.isArray(v)) return v.map((x) => this.rewrite(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, skip.includes(k) ? x : this.rewrite(x)]));
    return v;
  }
}

export function servingPipeline(
  m: ModelManifest,
  plan: ServingPlan,
  models: Record<string, ModuleModels>,
  contract: RequestContract,
  isFile: (abs: string) => boolean,
): { pipeline: ServingPipeline; frontend: FrontendFile; files: BundleFile[] } {
  const assets = new Assets(m.dir, isFile);
  const byIndex = new Map(m.graph.map((s) => [s.index, s]));
  const deps = stageDependencies(m.graph, m.graphInfo);
  const graph: PipelineStage[] = m.graphInfo.order.map((i) => {
    const st = byIndex.get(i)!;
    const stage: PipelineStage = {
      id: st.id,
      label: st.label,
      ...(st.module ? { module: st.module } : { step: st.step! }),
      in: st.in,
      out: st.out,
      params: assets.rewrite(st.params) as Record<string, unknown>,
      depends_on: [...deps.get(i)!].sort(),
    };
    if (st.step) {
      const def = registry.step(st.step)!;
      if (def.variadic) stage.variadic = true;
      if (def.trivial) stage.trivial = true;
      stage.optional_inputs = def.inputs.filter((p) => p.optional).map((p) => p.name);
      stage.optional_outputs = def.outputs.filter((p) => p.optional).map((p) => p.name);
    }
    return stage;
  });
  const modules: Record<string, PipelineModule> = {};
  for (const [name, spec] of Object.entries(m.modules)) {
    const inputs: PipelineModule['inputs'] = {};
    for (const [port, t] of Object.entries(spec.inputs)) inputs[port] = { dtype: t.dtype, dims: t.dims, max: plan.inputMax[name]?.[port] ?? t.dims.map(() => null) };
    const outputs: PipelineModule['outputs'] = {};
    for (const [port, t] of Object.entries(spec.outputs)) outputs[port] = { dtype: t.dtype, dims: t.dims };
    modules[name] = { ...models[name]!, inputs, outputs };
  }
  const conditioning: PipelineConditioning[] = Object.values(m.conditioning).map((c) => ({
    name: c.name,
    kind: c.kind,
    flag: c.flag,
    output: c.output,
    dtype: conditioningDtype(c),
    required: c.required,
    ...(c.default !== undefined && { default: c.default }),
    ...(c.description && { description: c.description }),
    ...(c.seconds && { seconds: c.seconds }),
    ...(c.labels && { labels: c.labels }),
    ...(c.table && { table: assets.add(c.table) }),
    ...(c.values && { values: c.values }),
    ...(c.names && { names: c.names }),
    ...(c.count !== undefined && { count: c.count }),
    ...(c.excludes && { excludes: c.excludes }),
    inputs: contract.conditioning[c.name]!,
  }));
  const frontend: FrontendFile = {
    name: m.frontend.name,
    // the symbols travel inline; other options that name files point at the bundled copies
    section: assets.rewrite(m.frontend.section, ['symbols']) as Record<string, unknown>,
    symbols: m.frontend.symbols,
  };
  const pipeline: ServingPipeline = {
    format: PIPELINE_FORMAT,
    name: m.name,
    family: m.family,
    audio: m.audio,
    frontend: { name: m.frontend.name, output: m.frontend.output, dtype: m.frontend.dtype, input: contract.idsInput, file: 'frontend.json' },
    max_text_len: plan.maxTextLen,
    limits: m.limits,
    modules,
    conditioning,
    graph,
    output: m.output,
  };
  return { pipeline, frontend, files: assets.files };
}
