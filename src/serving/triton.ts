// Triton Inference Server model repository for built engines (pure: config text out, no I/O).
// - one `tensorrt_plan` model per engine: dims from the model manifest, batch as Triton's implicit
//   first dim up to the smaller of serving.max_batch and the engine's optimization-profile maximum,
//   dynamic batching with the profile's queue delay (serving.batching_window_ms, default 10 ms),
//   a GPU instance group;
// - one `<module>_cpu` ONNX Runtime model per engine (the same module's ONNX on CPU instances): the
//   fallback path when an engine fails or overruns;
// - `emovoice`, a Python-backend model (src/serving/orchestrator.py) that runs the host-side steps
//   (text frontend, reference log-mel, style-embedding cache, length regulation) and calls the
//   engines through BLS, so one request (text + reference voice) gives audio out.
import { servedTextLen, type ModelManifest, type TensorSpec } from '../model/manifest.ts';
import type { Profile } from '../profile/load.ts';

const TRITON_TYPES: Record<string, string> = {
  float32: 'TYPE_FP32', float16: 'TYPE_FP16', int32: 'TYPE_INT32', int64: 'TYPE_INT64', bool: 'TYPE_BOOL', int8: 'TYPE_INT8', uint8: 'TYPE_UINT8',
};

type ModuleSpec = ModelManifest['modules'][string];

export interface ServingPlan {
  /** Per engine: Triton max_batch_size (0 = no implicit batch dim). */
  maxBatch: Record<string, number>;
  queueDelayMs: number;
  instances: number;
  cpuInstances: number;
  orchestratorInstances: number;
  cpuFallback: boolean;
  timeoutMs: number;
  maxTextLen: number;
  /** Most mel frames one sentence may need: the decoder's and vocoder's profile maxima. */
  maxMelFrames: number;
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
  for (const m of Object.keys(manifest.modules)) {
    const shapes = Object.values(profile.modules?.[m]?.shapes ?? {});
    // The engine accepts at most the smallest batch maximum over its inputs' optimization profile.
    const engineMax = shapes.length ? Math.min(...shapes.map((r) => r.max[0] ?? 1)) : want;
    maxBatch[m] = Math.max(1, Math.min(want, engineMax));
  }
  const frameLimits = [profile.modules?.acoustic_decoder?.shapes?.frame_hidden?.max[1], profile.modules?.vocoder?.shapes?.mel?.max[2]]
    .filter((x): x is number => typeof x === 'number');
  return {
    maxBatch,
    queueDelayMs: s.batching_window_ms ?? 10,
    instances: o.instances ?? 1,
    cpuInstances: o.cpuInstances ?? 1,
    orchestratorInstances: o.orchestratorInstances ?? Math.max(2, want),
    cpuFallback: o.cpuFallback ?? true,
    timeoutMs: s.timeout_ms ?? 0,
    maxTextLen: servedTextLen(s, manifest),
    maxMelFrames: frameLimits.length ? Math.min(...frameLimits) : 1_000_000,
  };
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

export function engineConfig(module: string, spec: ModuleSpec, plan: ServingPlan): string {
  const maxBatch = plan.maxBatch[module] ?? 0;
  const lines = [
    `# ${module}: TensorRT engine built by emovoice (model.plan)`,
    `name: "${module}"`,
    `platform: "tensorrt_plan"`,
    `max_batch_size: ${maxBatch}`,
    ...ioBlocks(spec, maxBatch > 0),
    `instance_group [\n  {\n    count: ${plan.instances}\n    kind: KIND_GPU\n  }\n]`,
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

/** The CPU fallback for one engine: the module's ONNX file on ONNX Runtime, CPU instances. */
export function cpuFallbackConfig(module: string, spec: ModuleSpec, plan: ServingPlan): string {
  return [
    `# ${module}_cpu: ONNX Runtime on the CPU, the fallback when the ${module} engine fails or times out`,
    `name: "${module}_cpu"`,
    `platform: "onnxruntime_onnx"`,
    'max_batch_size: 0',
    ...ioBlocks(spec, false),
    `instance_group [\n  {\n    count: ${plan.cpuInstances}\n    kind: KIND_CPU\n  }\n]`,
  ].join('\n') + '\n';
}

function param(key: string, value: string | number): string {
  return `parameters {\n  key: "${key}"\n  value: { string_value: "${String(value).replace(/["\\]/g, '\\$&')}" }\n}`;
}

const io = (name: string, type: string, dims: string, optional = true) =>
  `  {\n    name: "${name}"\n    data_type: ${type}\n    dims: [ ${dims} ]${optional ? '\n    optional: true' : ''}\n  }`;

export function orchestratorConfig(manifest: ModelManifest, plan: ServingPlan): string {
  const mel = manifest.audio.mel as Record<string, number | string>;
  const refSeconds = Object.values(manifest.conditioning).find((c) => c.kind === 'audio')?.seconds ?? { min: 0, max: 0 };
  const durations = (manifest.graph.find((s) => s.step === 'repeat')?.params.durations ?? {}) as Record<string, unknown>;
  const params: [string, string | number][] = [
    ['sample_rate', manifest.audio.sample_rate],
    ['n_fft', mel.n_fft!], ['hop', mel.hop!], ['win_length', mel.win_length ?? mel.n_fft!], ['n_mels', mel.n_mels!],
    ['fmin', mel.fmin ?? 0], ['fmax', mel.fmax ?? manifest.audio.sample_rate / 2], ['clamp_min', mel.clamp_min ?? 1e-5], ['log_base', mel.log_base ?? 'e'],
    ['ref_seconds_min', refSeconds.min], ['ref_seconds_max', refSeconds.max],
    ['max_frames_per_phoneme', Number(durations.max ?? 50)], ['min_frames', Number(durations.min ?? 1)],
    ['max_text_len', plan.maxTextLen], ['max_mel_frames', plan.maxMelFrames],
    ['timeout_ms', plan.timeoutMs], ['cpu_fallback', plan.cpuFallback ? 'true' : 'false'], ['engine_retry_s', 30],
    ['cache_size', 1024], ['node', 'node'],
  ];
  return [
    '# emovoice: one request (text + reference voice) in, audio out. Python backend (model.py) calling the',
    '# engine models through BLS; the text frontend runs as a Node.js process (frontend.mjs).',
    'name: "emovoice"',
    'backend: "python"',
    'max_batch_size: 0',
    `input [\n${[
      io('TEXT', 'TYPE_STRING', '1'),
      io('PHONEME_IDS', 'TYPE_INT32', '-1'),
      io('LANGUAGE', 'TYPE_STRING', '1'),
      io('REF_AUDIO', 'TYPE_FP32', '-1'),
      io('REF_SAMPLE_RATE', 'TYPE_INT32', '1'),
      io('REF_KEY', 'TYPE_STRING', '1'),
      io('EMOTION', 'TYPE_STRING', '1'),
    ].join(',\n')}\n]`,
    `output [\n${[io('WAVEFORM', 'TYPE_FP32', '-1', false), io('SAMPLE_RATE', 'TYPE_INT32', '1', false), io('WARNINGS', 'TYPE_STRING', '-1', false)].join(',\n')}\n]`,
    `instance_group [\n  {\n    count: ${plan.orchestratorInstances}\n    kind: KIND_CPU\n  }\n]`,
    ...params.map(([k, v]) => param(k, v)),
  ].join('\n') + '\n';
}
