// The one pipeline executor: walks a model's declared graph (docs/model-manifest.md) for one sentence
// over runners (ONNX Runtime, TensorRT engines, engines behind a CPU fallback) and host steps. It knows
// no family: which stages run, in what order, which are cached and which fell back all come from the
// manifest and the runners. Only the stages the output needs run; a stage whose inputs depend on
// conditioning alone is cached by those conditioning keys; every stage is timed.
import { UserError } from '../core/errors.ts';
import { FallbackRunner, type FallbackEvent, type TracedOutputs } from '../runtime/fallback.ts';
import type { Runner } from '../runtime/runner.ts';
import type { Tensor, TensorMap } from '../tensor/tensor.ts';
import type { StageSpec } from '../model/graph.ts';
import { StageCache, stageKey, type CacheStore } from './cache.ts';
import { inferChunked } from './chunked.ts';
import type { ConditioningValue } from './conditioning.ts';
import type { OpenModel } from './model.ts';
import { registry } from './registry.ts';
import type { FrontendSentence, HostStepDef, Value, ValueMap } from './types.ts';

export interface StageTiming {
  stage: string;
  ms: number;
  /** Set when the module's CPU fallback answered this call, and why (see FallbackRunner). */
  fallback?: FallbackEvent['stage'];
  /** Set when the primary answered after the timeout because it could not be interrupted (see FallbackRunner). */
  overran?: true;
}

export interface SynthResult {
  waveform: Float32Array;
  sampleRate: number;
  stages: StageTiming[];
  totalMs: number;
  audioSeconds: number;
  rtf: number;
  /** Ids the frontend gave this sentence. */
  phonemes: number;
  /** Acoustic frames (output samples / hop). */
  frames: number;
  cacheHit: boolean;
  warnings: string[];
  /** Every tensor on the board (inputs, intermediates, output). */
  intermediates: TensorMap;
}

export interface RunRequest {
  sentence: Pick<FrontendSentence, 'text' | 'ids'>;
  conditioning: Record<string, ConditioningValue>;
  /**
   * Stop once this stage's inputs are on the board and return them (calibration's real inputs); a list:
   * the inputs of all those stages, none of them run (streaming: the chunked stages' inputs).
   */
  captureInputsOf?: string | string[];
  /**
   * Tensors that stand in for what a stage publishes under these names (verify: a reduced-precision path
   * judged under PyTorch's own discrete decisions, its rounded durations).
   */
  pin?: TensorMap;
}

const isTensor = (v: Value | undefined): v is Tensor => v !== undefined && typeof v !== 'string';

export class Pipeline {
  private readonly byIndex: Map<number, StageSpec>;

  constructor(
    readonly model: OpenModel,
    readonly runners: Record<string, Runner>,
    readonly cache = new StageCache(),
    /** Outputs of cached module stages kept between processes (synth's disk cache). */
    readonly store?: CacheStore,
  ) {
    this.byIndex = new Map(model.manifest.graph.map((s) => [s.index, s]));
  }

  /** Which stages run for a request with these sources, and which of them come from the cache. */
  private plan(present: Set<string>, keys: Record<string, string>, stopAt?: StageSpec[]): { run: StageSpec[]; cached: Map<number, string> } {
    const m = this.model.manifest;
    const order = m.graphInfo.order.map((i) => this.byIndex.get(i)!);
    const available = new Set(present);
    const runnable = new Set<number>();
    for (const st of order) {
      const def = stepDef(st);
      const ok = def?.variadic
        ? st.in.some(([, t]) => available.has(t))
        : st.in.every(([port, t]) => available.has(t) || !!def?.inputs.find((p) => p.name === port)?.optional);
      if (!ok) continue;
      runnable.add(st.index);
      for (const [, t] of st.out) available.add(t);
    }
    // cache keys for stages that depend on conditioning only
    const cacheKey = new Map<number, string>();
    for (const i of runnable) {
      const deps = this.model.deps.get(i)!;
      if (deps.size && [...deps].every((d) => d.startsWith('conditioning:'))) cacheKey.set(i, stageKey(this.byIndex.get(i)!.id, deps, keys));
    }
    // what the output (or the captured stage) needs, walking back
    const madeByStops = new Set((stopAt ?? []).flatMap((s) => s.out.map(([, t]) => t)));
    const needed = new Set<string>(stopAt ? stopAt.flatMap((s) => s.in.map(([, t]) => t)).filter((t) => !madeByStops.has(t)) : [m.output]);
    const run: StageSpec[] = [];
    const cached = new Map<number, string>();
    for (const st of [...order].reverse()) {
      if (!runnable.has(st.index) || stopAt?.includes(st) || !st.out.some(([, t]) => needed.has(t))) continue;
      const key = cacheKey.get(st.index);
      if (key && this.cache.get(key)) {
        cached.set(st.index, key);
        run.push(st);
        continue;
      }
      if (key) cached.set(st.index, ''); // cacheable, not cached yet: run and store
      run.push(st);
      if (stepDef(st)?.variadic) {
        const first = st.in.find(([, t]) => available.has(t));
        if (first) needed.add(first[1]);
      } else for (const [, t] of st.in) if (available.has(t)) needed.add(t);
    }
    if (!stopAt && !available.has(m.output)) {
      throw new UserError(`this request cannot produce "${m.output}": a stage it needs lacks an input`, { place: { file: m.path, path: 'graph' }, hint: 'give the conditioning the model needs (see `emovoice models`)' });
    }
    return { run: run.reverse(), cached };
  }

  async run(req: RunRequest): Promise<SynthResult> {
    const m = this.model.manifest;
    const t0 = performance.now();
    const stages: StageTiming[] = [];
    const warnings: string[] = [];
    const ids = req.sentence.ids;
    const n = ids.length;
    if (n === 0) throw new UserError('no phonemes to synthesize', { hint: 'give some text' });
    if (n > this.model.maxTextLen) {
      throw new UserError(`${n} phonemes exceed the limit of ${this.model.maxTextLen} per sentence`, {
        hint: 'split the text into shorter sentences (synthesizeText does this for you), or raise serving.max_text_len in the profile',
      });
    }
    // the board: sources first; conditioning is forced when a stage reads it
    const board = new Map<string, Value>();
    const lazy = new Map<string, ConditioningValue>();
    board.set('text', req.sentence.text);
    board.set(m.frontend.output, m.frontend.dtype === 'int64' ? { dtype: 'int64', shape: [1, n], data: BigInt64Array.from(ids, (x) => BigInt(x)) } : { dtype: 'int32', shape: [1, n], data: Int32Array.from(ids) });
    const keys: Record<string, string> = {};
    for (const [name, c] of Object.entries(req.conditioning)) {
      lazy.set(m.conditioning[name]!.output, c);
      keys[name] = c.key;
    }
    const get = (t: string): Value | undefined => {
      if (!board.has(t) && lazy.has(t)) board.set(t, lazy.get(t)!.value(warnings));
      return board.get(t);
    };
    const present = new Set([...board.keys(), ...lazy.keys()]);
    const stopIds = req.captureInputsOf === undefined ? undefined : [req.captureInputsOf].flat();
    const stopAt = stopIds?.map((id) => m.graph.find((s) => s.id === id) ?? (() => { throw new UserError(`no stage "${id}" in the graph`, { place: { file: m.path, path: 'graph' } }); })());
    if (this.store) await this.preload(keys);
    const { run, cached } = this.plan(present, keys, stopAt);
    let cacheHit = false;
    for (const st of run) {
      const key = cached.get(st.index);
      const hit = key ? this.cache.get(key) : undefined;
      const trivial = !!stepDef(st)?.trivial;
      if (hit) {
        cacheHit = true;
        for (const [k, v] of Object.entries(hit)) board.set(k, v);
        if (!trivial) stages.push({ stage: `${st.label} (cached)`, ms: 0 });
        continue;
      }
      const s0 = performance.now();
      const inputs: ValueMap = {};
      for (const [port, t] of st.in) {
        const v = get(t);
        if (v !== undefined) inputs[port] = v;
      }
      let outputs: ValueMap;
      const timing: StageTiming = { stage: st.label, ms: 0 };
      if (st.module) {
        this.checkLimits(st, inputs);
        const runner = this.runners[st.module];
        if (!runner) throw new Error(`no runner for module ${st.module}`);
        const names = st.out.map(([p]) => p);
        // the last streaming stage of a long sentence runs on chunks where the profile says so (chunked.ts)
        const traced: TracedOutputs =
          (await inferChunked(m, this.model.chunkFrames, st, runner, inputs as TensorMap, names)) ??
          (runner instanceof FallbackRunner ? await runner.inferTraced(inputs as TensorMap, names) : { outputs: await runner.infer(inputs as TensorMap, names) });
        outputs = traced.outputs;
        if (traced.fallback) timing.fallback = traced.fallback;
        if (traced.overran) timing.overran = true;
      } else {
        outputs = await this.model.steps.get(st.index)!.run(inputs);
      }
      const published: ValueMap = {};
      for (const [port, t] of st.out) {
        if (outputs[port] === undefined) {
          if (stepDef(st)?.outputs.find((p) => p.name === port)?.optional) continue;
          throw new Error(`stage ${st.id} gave no output ${port}`);
        }
        const v = req.pin?.[t] ?? outputs[port]!;
        published[t] = v;
        board.set(t, v);
      }
      timing.ms = performance.now() - s0;
      if (!trivial) stages.push(timing);
      if (key !== undefined) {
        const k = stageKey(st.id, this.model.deps.get(st.index)!, keys);
        this.cache.set(k, published);
        if (this.store && st.module) await this.store.save(k, published);
      }
    }
    const intermediates: TensorMap = {};
    for (const [k, v] of board) if (isTensor(v)) intermediates[k] = v;
    const totalMs = performance.now() - t0;
    if (stopAt) {
      return { waveform: new Float32Array(0), sampleRate: this.model.sampleRate, stages, totalMs, audioSeconds: 0, rtf: 0, phonemes: n, frames: 0, cacheHit, warnings, intermediates };
    }
    const out = board.get(m.output);
    if (!isTensor(out) || out.dtype !== 'float32') throw new Error(`output ${m.output} is not float32 audio`);
    const waveform = out.data as Float32Array;
    const audioSeconds = waveform.length / this.model.sampleRate;
    return {
      waveform,
      sampleRate: this.model.sampleRate,
      stages,
      totalMs,
      audioSeconds,
      rtf: totalMs / 1000 / Math.max(audioSeconds, 1e-9),
      phonemes: n,
      frames: Math.round(waveform.length / this.model.hop),
      cacheHit,
      warnings,
      intermediates,
    };
  }

  /** Cached module-stage outputs from the store, for the conditioning this request brings. */
  private async preload(keys: Record<string, string>): Promise<void> {
    for (const st of this.model.manifest.graph) {
      const deps = this.model.deps.get(st.index)!;
      if (!st.module || !deps.size || ![...deps].every((d) => d.startsWith('conditioning:') && d.slice(13) in keys)) continue;
      const k = stageKey(st.id, deps, keys);
      if (this.cache.get(k)) continue;
      const v = await this.store!.load(k);
      if (v) this.cache.set(k, v);
    }
  }

  /** A module input over the model's limit on one of its symbolic dims is an error, never a truncation. */
  private checkLimits(st: StageSpec, inputs: ValueMap): void {
    const m = this.model.manifest;
    const spec = m.modules[st.module!]!;
    for (const [port, v] of Object.entries(inputs)) {
      if (!isTensor(v)) continue;
      spec.inputs[port]?.dims.forEach((d, i) => {
        const limit = typeof d === 'string' ? m.limits[d] : undefined;
        if (limit !== undefined && v.shape[i]! > limit) {
          throw new UserError(`the text needs ${v.shape[i]} ${d} at ${st.module}.${port}, over the model's limit of ${limit}`, {
            place: { file: m.path, path: `limits.${d}` },
            hint: 'split the text into shorter sentences, or lower serving.max_text_len in the profile',
          });
        }
      });
    }
  }

  /** Run the captured stage's inputs (calibration): the board up to that stage, for one sentence. */
  async inputsOf(stageId: string, req: Omit<RunRequest, 'captureInputsOf'>): Promise<TensorMap> {
    const r = await this.run({ ...req, captureInputsOf: stageId });
    const st = this.model.manifest.graph.find((s) => s.id === stageId)!;
    const feeds: TensorMap = {};
    for (const [port, t] of st.in) if (r.intermediates[t]) feeds[port] = r.intermediates[t]!;
    return feeds;
  }
}

function stepDef(st: StageSpec): HostStepDef | undefined {
  return st.step ? registry.step(st.step) : undefined;
}
