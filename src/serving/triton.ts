// Triton Inference Server model repository for a model's modules (pure: config text out, no I/O).
// - one `tensorrt_plan` model per engine module (the manifest's `engine: true`, the default): dims from
//   the model manifest, batch as Triton's implicit first dim up to the smaller of serving.max_batch and
//   the engine's optimization-profile maximum, dynamic batching with the profile's queue delay
//   (serving.batching_window_ms, default 10 ms), a GPU instance group;
// - one `<module>_cpu` ONNX Runtime model per engine (the same module's ONNX on CPU instances): the
//   fallback path when an engine fails or overruns; a module kept off the engine path (`engine: false`)
//   is served by ONNX Runtime alone, under its own name;
// - `emovoice`, a Python-backend model (src/serving/orchestrator.py) that walks the manifest's graph
//   (pipeline.json: host steps, conditioning, caches) and calls the module models through BLS; its
//   inputs come from the request contract (contract.ts). No family's module or tensor is named here.
import { UserError } from '../core/errors.ts';
import { servedTextLen, type ModelManifest, type TensorSpec } from '../model/manifest.ts';
import type { Profile } from '../profile/load.ts';
import type { RequestContract, TritonIo } from './contract.ts';

const TRITON_TYPES: Record<string, string> = {
  float32: 'TYPE_FP32', float16: 'TYPE_FP16', int32: 'TYPE_INT32', int64: 'TYPE_INT64', bool: 'TYPE_BOOL', int8: 'TYPE_INT8', uint8: 'TYPE_UINT8',
};

type ModuleSpec = ModelManifest['modules'][string];

export interface ServingPlan {
  /** Per engine module: Triton max_batch_size (0 = no implicit batch dim). */
  maxBatch: Record<string, number>;
  queueDelayMs: number;
  instances: number;
  cpuInstances: number;
  orchestratorInstances: number;
  cpuFallback: boolean;
  timeoutMs: number;
  maxTextLen: number;
  /**
   * Module → input → the largest size each axis may take (null: no limit; the batch axis is always
   * null): the manifest's `limits` of a symbolic dim, and for an engine its profile's max shape.
   */
  inputMax: Record<string, Record<string, (number | null)[]>>;
}

/** Serving parameters from the profile: pure, so tests can check every rule. */
export function servingPlan(
  profile: Pick<Profile, 'modules' | 'serving'>,
  manifest: Pick<ModelManifest, 'modules' | 'limits' | 'graph' | 'frontend'>,
  o: { instances?: number; cpuInstances?: number; orchestratorInstances?: number; cpuFallback?: boolean } = {},
): ServingPlan {
  const s = profile.serving ?? {};
  const want = s.max_batch ?? 4;
  const maxBatch: Record<string, number> = {};
  const inputMax: ServingPlan['inputMax'] = {};
  for (const [m, spec] of Object.entries(manifest.modules)) {
    const shapes = profile.modules?.[m]?.shapes ?? {};
    if (spec.engine) {
      const ranges = Object.values(shapes);
      // The engine accepts at most the smallest batch maximum over its inputs' optimization profile.
      const engineMax = ranges.length ? Math.min(...ranges.map((r) => r.max[0] ?? 1)) : want;
      maxBatch[m] = Math.max(1, Math.min(want, engineMax));
    }
    inputMax[m] = {};
    for (const [input, t] of Object.entries(spec.inputs)) {
      inputMax[m][input] = t.dims.map((d, axis) => {
        if (axis === 0) return null;
        const caps = [typeof d === 'string' ? manifest.limits[d] : undefined, spec.engine ? shapes[input]?.max[axis] : undefined].filter((x): x is number => typeof x === 'number');
        return caps.length ? Math.min(...caps) : null;
      });
    }
  }
  return {
    maxBatch,
    queueDelayMs: s.batching_window_ms ?? 10,
    instances: o.instances ?? 1,
    cpuInstances: o.cpuInstances ?? 1,
    orchestratorInstances: o.orchestratorInstances ?? Math.max(2, want),
    cpuFallback: o.cpuFallback ?? true,
    timeoutMs: s.timeout_ms ?? 0,
    maxTextLen: servedTextLen(s, manifest),
    inputMax,
  };
}

/** The orchestrator's name in the repository. */
export const ORCHESTRATOR_MODEL = 'emovoice';

export interface ModuleModels {
  /** The Triton model the orchestrator calls first: the engine, or ONNX Runtime for a module off the engine path. */
  model: string;
  /** The `<module>_cpu` model that answers when the engine fails or overruns; null when there is none. */
  fallback: string | null;
  engine: boolean;
}

/** Triton model names per module; a name taken twice (a module called `emovoice`, or `x` beside `x_cpu`) is an error. */
export function moduleModels(manifest: Pick<ModelManifest, 'modules' | 'locate'>, plan: Pick<ServingPlan, 'cpuFallback'>): Record<string, ModuleModels> {
  const out: Record<string, ModuleModels> = {};
  const taken = new Map<string, string>([[ORCHESTRATOR_MODEL, 'the orchestrator']]);
  const claim = (name: string, by: string) => {
    const prev = taken.get(name);
    if (prev) throw new UserError(`module ${by} would be served as the Triton model "${name}", which ${prev} already is`, { place: manifest.locate(['modules', by]), hint: 'rename the module in the manifest' });
    taken.set(name, `module ${by}`);
  };
  for (const [m, spec] of Object.entries(manifest.modules)) {
    const fallback = spec.engine && plan.cpuFallback ? `${m}_cpu` : null;
    claim(m, m);
    if (fallback) claim(fallback, m);
    out[m] = { model: m, fallback, engine: spec.engine };
  }
  return out;
}

function tensorBlock(name: string, spec: TensorSpec, batched: boolean): string {
  const dims = (batched ? spec.dims.slice(1) : spec.dims).map((d) => (typeof d === 'number' ? d : -1));
  const type = TRITON_TYPES[spec.dtype];
  if (!type) throw new Error(`no Triton type for ${spec.dtype}`);
  return `  {\n    name: "${name}"\n    data_type: ${type}\n    dims: [ ${dims.join(', ')} ]\n  }`;
}

function ioBlocks(spec: ModuleSpec, batched: boolean): string[] {
  return [
    `input [\n${Object.entries(spec.inputs).map(([n, s]) => tensorBlock(n, s, batched)).join(',\n')}\n]`,
    `output [\n${Object.entries(spec.outputs).map(([n, s]) => tensorBlock(n, s, batched)).join(',\n')}\n]`,
  ];
}

/**
 * How a module's models run: `tensorrt` (the default) serves an engine module from its plan and the
 * fallback and off-engine modules on the onnxruntime backend; `python` serves every module as a
 * Python-backend model running ONNX Runtime on the CPU (module_model.py), for a Triton with the Python
 * backend alone (the PyPI nvidia-pytriton bundle). Names, tensors, batching and queue policies are the same.
 */
export type ModuleBackend = 'tensorrt' | 'python';
export const MODULE_BACKENDS: readonly ModuleBackend[] = ['tensorrt', 'python'];

const PYTHON_MODULE = 'backend: "python"\nparameters {\n  key: "onnx"\n  value: { string_value: "model.onnx" }\n}';

export function engineConfig(module: string, spec: ModuleSpec, plan: ServingPlan, backend: ModuleBackend = 'tensorrt'): string {
  const maxBatch = plan.maxBatch[module] ?? 0;
  const py = backend === 'python';
  const lines = [
    py ? `# ${module}: the module on ONNX Runtime (CPU) in the Python backend (model.py, model.onnx), in place of its TensorRT engine`
      : `# ${module}: TensorRT engine built by emovoice (model.plan)`,
    `name: "${module}"`,
    py ? PYTHON_MODULE : `platform: "tensorrt_plan"`,
    `max_batch_size: ${maxBatch}`,
    ...ioBlocks(spec, maxBatch > 0),
    `instance_group [\n  {\n    count: ${plan.instances}\n    kind: ${py ? 'KIND_CPU' : 'KIND_GPU'}\n  }\n]`,
  ];
  if (maxBatch > 0) {
    // A request that waits in the queue past serving.timeout_ms is rejected, and the orchestrator answers
    // it from the CPU model; a request may ask for less (the orchestrator sends timeout_ms). Triton's
    // timeout stops at the queue: the orchestrator keeps the deadline on the execution itself.
    const timeoutUs = Math.round(plan.timeoutMs * 1000);
    const queuePolicy = timeoutUs > 0
      ? `\n  default_queue_policy {\n    timeout_action: REJECT\n    default_timeout_microseconds: ${timeoutUs}\n    allow_timeout_override: true\n  }`
      : '';
    lines.push(`dynamic_batching {\n  max_queue_delay_microseconds: ${Math.round(plan.queueDelayMs * 1000)}${queuePolicy}\n}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * A module on ONNX Runtime, CPU instances: `<module>_cpu`, the fallback when the engine fails or times
 * out; or, for a module kept off the engine path, the module's only model, under its own name.
 */
export function onnxRuntimeConfig(module: string, spec: ModuleSpec, plan: ServingPlan, role: 'fallback' | 'only', backend: ModuleBackend = 'tensorrt'): string {
  const name = role === 'fallback' ? `${module}_cpu` : module;
  const what = role === 'fallback' ? `the fallback when the ${module} engine fails or times out` : `${module} is kept off the engine path (engine: false in the manifest)`;
  return [
    `# ${name}: ONNX Runtime on the CPU${backend === 'python' ? ' in the Python backend (model.py)' : ''}, ${what}`,
    `name: "${name}"`,
    backend === 'python' ? PYTHON_MODULE : `platform: "onnxruntime_onnx"`,
    'max_batch_size: 0',
    ...ioBlocks(spec, false),
    `instance_group [\n  {\n    count: ${plan.cpuInstances}\n    kind: KIND_CPU\n  }\n]`,
  ].join('\n') + '\n';
}

/** Serving knobs of the orchestrator (config.pbtxt parameters); what the model is lives in pipeline.json. */
export interface OrchestratorKnobs {
  engineRetryS: number;
  cacheSize: number;
  node: string;
  /** `python`: host steps with a numpy twin run in Python, the rest in the Node process; `node`: every host step in Node. */
  hostSteps: 'python' | 'node';
}

export const DEFAULT_KNOBS: OrchestratorKnobs = { engineRetryS: 30, cacheSize: 1024, node: 'node', hostSteps: 'python' };

function param(key: string, value: string | number): string {
  return `parameters {\n  key: "${key}"\n  value: { string_value: "${String(value).replace(/["\\]/g, '\\$&')}" }\n}`;
}

function ioBlock(x: TritonIo): string {
  return `  {\n    name: "${x.name}"\n    data_type: ${x.type}\n    dims: [ ${x.dims.join(', ')} ]${x.optional ? '\n    optional: true' : ''}\n  }`;
}

export function orchestratorConfig(manifest: Pick<ModelManifest, 'name' | 'family'>, plan: ServingPlan, contract: RequestContract, knobs: OrchestratorKnobs = DEFAULT_KNOBS): string {
  const params: [string, string | number][] = [
    ['pipeline', 'pipeline.json'],
    ['timeout_ms', plan.timeoutMs], ['cpu_fallback', plan.cpuFallback ? 'true' : 'false'], ['engine_retry_s', knobs.engineRetryS],
    ['cache_size', knobs.cacheSize], ['node', knobs.node], ['host_steps', knobs.hostSteps],
  ];
  return [
    `# ${ORCHESTRATOR_MODEL}: one request in, audio out, for ${manifest.name} (family ${manifest.family}). Python backend (model.py)`,
    '# walking the graph in 1/pipeline.json and calling the module models through BLS; the text frontend and',
    '# host steps without a numpy twin run in a Node.js process (frontend.mjs).',
    `name: "${ORCHESTRATOR_MODEL}"`,
    'backend: "python"',
    'max_batch_size: 0',
    `input [\n${contract.inputs.map(ioBlock).join(',\n')}\n]`,
    `output [\n${contract.outputs.map(ioBlock).join(',\n')}\n]`,
    `instance_group [\n  {\n    count: ${plan.orchestratorInstances}\n    kind: KIND_CPU\n  }\n]`,
    ...params.map(([k, v]) => param(k, v)),
  ].join('\n') + '\n';
}
