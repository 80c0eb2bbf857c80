// Streaming synthesis: the first audio before the sentence is done. Sentence parts run in order; in each,
// the executor runs every stage up to the manifest's chunkable stages (`streaming:`, src/model/streaming.ts)
// once, and those stages then run on chunks of their input, each carrying the left and right context
// frames its module's receptive field needs (computed from the ONNX graph, src/model/receptive.ts), so a
// chunk's kept output is what the whole-utterance run gives there. A chained stage runs only as far as the
// next one needs (the vocoder's right context pulls the flow ahead by that many frames, no more), and
// audio is handed out as soon as the last stage makes it. Knows no family; the plan is computed once per
// model. Only `streamPlan` reads files (the ONNX graphs).
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import { decodeOnnxModel } from '../model/onnx.ts';
import { contextFrames, exactContext, graphOf, receptiveField } from '../model/receptive.ts';
import type { StageSpec } from '../model/graph.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { FallbackRunner } from '../runtime/fallback.ts';
import { numel, type Tensor, type TensorMap, type TypedData } from '../tensor/tensor.ts';
import type { Pipeline, StageTiming } from './executor.ts';
import type { OpenModel } from './model.ts';

/** One chunked stage: which of its ports are cut along which axis, and the context its chunks carry. */
export interface ChunkedStage {
  stage: StageSpec;
  module: string;
  /** Input port → time axis (counted from the end). Ports not here are passed whole. */
  timeInputs: Record<string, number>;
  /** Output port → time axis (from the end) and positions per input frame. */
  timeOutputs: Record<string, { axis: number; scale: number }>;
  /** Input frames of context each chunk carries before and after what it keeps. */
  left: number;
  right: number;
  /** Exact (fractional) field the context is the ceiling of, for reports. */
  field: { left: number; right: number };
}

export interface StreamPlan {
  dim: string;
  stages: ChunkedStage[];
  /** Output samples per frame of the streaming dim (the last stage's scale). */
  samplesPerFrame: number;
}

/** Frames per chunk: the request's first chunk (small: soon first audio), then the rest (later parts too). */
export interface ChunkPolicy {
  firstFrames: number;
  frames: number;
}

export const DEFAULT_CHUNKS: ChunkPolicy = { firstFrames: 24, frames: 128 };

/** The profile's chunk sizes (serving.stream_*), else the defaults. */
export function chunkPolicy(serving?: { stream_chunk_frames?: number; stream_first_chunk_frames?: number }): ChunkPolicy {
  const frames = serving?.stream_chunk_frames ?? DEFAULT_CHUNKS.frames;
  return { frames, firstFrames: serving?.stream_first_chunk_frames ?? Math.min(frames, DEFAULT_CHUNKS.firstFrames) };
}

const plans = new WeakMap<ModelManifest, Promise<StreamPlan>>();

/** The model's chunked stages with their context, from its manifest and ONNX graphs (once per manifest). */
export function streamPlan(model: Pick<OpenModel, 'manifest'>): Promise<StreamPlan> {
  const m = model.manifest;
  let p = plans.get(m);
  if (!p) {
    p = makePlan(m);
    plans.set(m, p);
    p.catch(() => plans.delete(m));
  }
  return p;
}

async function makePlan(m: ModelManifest): Promise<StreamPlan> {
  const stages: ChunkedStage[] = [];
  for (const i of streamingStages(m).keys()) stages.push(await chunkedStage(m, i));
  const last = stages.at(-1)!;
  const out = last.stage.out.find(([, t]) => t === m.output)![0];
  return { dim: m.streaming!.dim, stages, samplesPerFrame: last.timeOutputs[out]!.scale };
}

function streamingStages(m: ModelManifest): string[] {
  if (!m.streaming) {
    throw new UserError(`the model ${m.name || m.path} declares no streaming stages`, {
      place: { file: m.path, path: 'streaming' },
      hint: 'add streaming: { dim: <frames dim>, stages: [<vocoder stage> …] } (docs/model-manifest.md, Streaming), or re-export/re-import the model; or synthesize without --stream',
    });
  }
  return m.streaming.stages;
}

const lastStages = new WeakMap<ModelManifest, Promise<ChunkedStage>>();

/**
 * The last of the manifest's streaming stages alone (the vocoder), with its context: what a whole
 * request runs on chunks to bound its activations (src/pipeline/chunked.ts). Reads that module's graph
 * only, once per manifest.
 */
export function lastChunkedStage(m: ModelManifest): Promise<ChunkedStage> {
  let p = lastStages.get(m);
  if (!p) {
    p = chunkedStage(m, streamingStages(m).length - 1);
    lastStages.set(m, p);
    p.catch(() => lastStages.delete(m));
  }
  return p;
}

/** The i-th streaming stage: its time-cut ports and the context (from its ONNX graph) its chunks carry. */
async function chunkedStage(m: ModelManifest, i: number): Promise<ChunkedStage> {
  const dim = m.streaming!.dim;
  const id = m.streaming!.stages[i]!;
  const st = m.graph.find((s) => s.id === id)!;
  const spec = m.modules[st.module!]!;
  const timeInputs: Record<string, number> = {};
  for (const [port] of st.in) {
    const dims = spec.inputs[port]?.dims;
    const at = dims?.indexOf(dim) ?? -1;
    if (dims && at >= 0) timeInputs[port] = at - dims.length;
  }
  const graph = graphOf(await decodeOnnxModel(await readFile(spec.file), spec.file));
  const inputs = Object.entries(timeInputs).map(([name, axis]) => ({ name, axis, rank: spec.inputs[name]!.dims.length }));
  const timeOutputs: ChunkedStage['timeOutputs'] = {};
  let left = 0;
  let right = 0;
  const field = { left: 0, right: 0 };
  for (const [port] of st.out) {
    const rf = receptiveField(graph, inputs, port);
    if (rf.kind !== 'bounded') {
      throw new UserError(`streaming stage "${id}" cannot run on chunks: ${rf.kind === 'unbounded' ? 'its receptive field is unbounded' : 'its receptive field could not be followed'} at node ${rf.node} (${rf.op}: ${rf.why})`, {
        place: m.locate(['streaming', 'stages', i]),
        hint: 'stream only the stages after it (a vocoder), or export the module with convolutions only along time',
      });
    }
    const ctx = exactContext(graph, inputs, port) ?? contextFrames(rf);
    timeOutputs[port] = { axis: rf.axis, scale: rf.scale };
    left = Math.max(left, ctx.left);
    right = Math.max(right, ctx.right);
    field.left = Math.max(field.left, rf.left);
    field.right = Math.max(field.right, rf.right);
  }
  return { stage: st, module: st.module!, timeInputs, timeOutputs, left, right, field };
}

/** A piece of audio, ready to play: in order, parts one after another. */
export interface AudioChunk {
  samples: Float32Array;
  /** Sentence part and chunk within it. */
  part: number;
  index: number;
  /** Milliseconds since the request began. */
  atMs: number;
}

export interface StreamPartInfo {
  /** The part's frames along the streaming dim, and the chunks it was spoken in. */
  frames: number;
  chunks: number;
  samples: number;
  /** Ids the frontend gave this part. */
  phonemes: number;
  cacheHit: boolean;
}

export interface StreamSummary {
  /** From the request's start (frontend included) to the first audio handed out. */
  firstAudioMs: number;
  totalMs: number;
  samples: number;
  sampleRate: number;
  audioSeconds: number;
  /** Stage timings, one list per part (chunked stages summed over its chunks), `before` first: merge them by name. */
  stages: StageTiming[][];
  /** What the first audio was made of: `before`, the first part's stages up to the chunks, and its first chunk(s). */
  firstAudio: StageTiming[];
  parts: StreamPartInfo[];
  warnings: string[];
}

/** Dense row-major slice of `t` along `axis` (from the end), positions [a, b). */
export function sliceAxis(t: Tensor, axis: number, a: number, b: number): Tensor {
  const ax = t.shape.length + axis;
  const n = t.shape[ax]!;
  if (a === 0 && b === n) return t;
  const outer = numel(t.shape.slice(0, ax));
  const inner = numel(t.shape.slice(ax + 1));
  const len = b - a;
  const Ctor = t.data.constructor as new (n: number) => TypedData;
  const data = new Ctor(outer * len * inner);
  for (let o = 0; o < outer; o++) {
    const src = (o * n + a) * inner;
    (data as Float32Array).set((t.data as Float32Array).subarray(src, src + len * inner), o * len * inner);
  }
  const shape = [...t.shape];
  shape[ax] = len;
  return { dtype: t.dtype, shape, data };
}

/** Tensors joined along `axis` (from the end); all other dims equal. */
export function concatAxis(ts: Tensor[], axis: number): Tensor {
  if (ts.length === 1) return ts[0]!;
  const first = ts[0]!;
  const ax = first.shape.length + axis;
  const outer = numel(first.shape.slice(0, ax));
  const inner = numel(first.shape.slice(ax + 1));
  const total = ts.reduce((s, t) => s + t.shape[ax]!, 0);
  const Ctor = first.data.constructor as new (n: number) => TypedData;
  const data = new Ctor(outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let off = 0;
    for (const t of ts) {
      const len = t.shape[ax]! * inner;
      (data as Float32Array).set((t.data as Float32Array).subarray(o * len, (o + 1) * len), (o * total) * inner + off);
      off += len;
    }
  }
  const shape = [...first.shape];
  shape[ax] = total;
  return { dtype: first.dtype, shape, data };
}

/** A chained stage's output along time, kept as the pieces it was made in (frame offsets). */
class TimeBuffer {
  private pieces: { start: number; end: number; t: Tensor }[] = [];
  constructor(readonly axis: number) {}
  push(start: number, t: Tensor): void {
    this.pieces.push({ start, end: start + t.shape[t.shape.length + this.axis]!, t });
  }
  get end(): number {
    return this.pieces.at(-1)?.end ?? 0;
  }
  slice(a: number, b: number): Tensor {
    const parts: Tensor[] = [];
    for (const p of this.pieces) {
      if (p.end <= a || p.start >= b) continue;
      parts.push(sliceAxis(p.t, this.axis, Math.max(a, p.start) - p.start, Math.min(b, p.end) - p.start));
    }
    // pieces made long ago are not read again (windows only move forward)
    while (this.pieces.length > 1 && this.pieces[0]!.end <= a) this.pieces.shift();
    return concatAxis(parts, this.axis);
  }
}

/**
 * Run one sentence part's chunked stages over the board the executor left (`board`: every tensor up to
 * the chunked stages), calling `emit` with each piece of audio as soon as the last stage makes it.
 */
export async function streamPart(
  pipeline: Pipeline,
  plan: StreamPlan,
  board: TensorMap,
  chunks: ChunkPolicy,
  emit: (samples: Float32Array) => void | Promise<void>,
  timings: Map<string, StageTiming>,
): Promise<{ frames: number; chunks: number; samples: number }> {
  const m = pipeline.model.manifest;
  const stages = plan.stages;
  const madeBy = new Map<string, number>(); // tensor → chained stage index
  stages.forEach((s, i) => s.stage.out.forEach(([, t]) => madeBy.set(t, i)));
  // the part's length along the streaming dim, from the first chained stage's first cut input
  const head = stages[0]!;
  const [port0, axis0] = Object.entries(head.timeInputs)[0]!;
  const t0 = board[head.stage.in.find(([p]) => p === port0)![1]];
  if (!t0) throw new Error(`streaming: ${head.stage.id} input ${port0} is not on the board`);
  const T = t0.shape[t0.shape.length + axis0]!;
  const buffers = new Map<string, TimeBuffer>();
  const done = stages.map(() => 0);
  let samples = 0;
  let count = 0;

  const ensure = async (i: number, upto: number): Promise<void> => {
    if (done[i]! >= upto) return;
    const s = stages[i]!;
    const need = Math.min(T, upto + s.right);
    const wa = Math.max(0, done[i]! - s.left);
    const feeds: TensorMap = {};
    for (const [port, t] of s.stage.in) {
      const axis = s.timeInputs[port];
      const j = madeBy.get(t);
      if (j !== undefined) {
        await ensure(j, need);
        feeds[port] = buffers.get(t)!.slice(wa, need);
      } else {
        const v = board[t];
        if (!v) throw new Error(`streaming: ${s.stage.id} input ${t} is not on the board`);
        feeds[port] = axis === undefined ? v : sliceAxis(v, axis, wa, need);
      }
    }
    const runner = pipeline.runners[s.module];
    if (!runner) throw new Error(`no runner for module ${s.module}`);
    const names = s.stage.out.map(([p]) => p);
    const c0 = performance.now();
    const traced = runner instanceof FallbackRunner ? await runner.inferTraced(feeds, names) : { outputs: await runner.infer(feeds, names) };
    const timing = timings.get(s.stage.label) ?? { stage: s.stage.label, ms: 0 };
    timing.ms += performance.now() - c0;
    if ('fallback' in traced && traced.fallback && !timing.fallback) timing.fallback = traced.fallback;
    if ('overran' in traced && traced.overran) timing.overran = true;
    timings.set(s.stage.label, timing);
    for (const [p, t] of s.stage.out) {
      const o = traced.outputs[p];
      if (!o) throw new Error(`stage ${s.stage.id} gave no output ${p}`);
      const { axis, scale } = s.timeOutputs[p]!;
      const len = o.shape[o.shape.length + axis]!;
      if (len !== Math.round((need - wa) * scale)) {
        throw new UserError(`streaming stage "${s.stage.id}" gave ${len} positions of ${p} for ${need - wa} frames, not the ${(need - wa) * scale} its graph's upsampling (${scale}) says`, {
          place: m.locate(['streaming', 'stages', stages.indexOf(s)]),
          hint: 'stream only stages whose output length is a fixed multiple of their input frames',
        });
      }
      const kept = sliceAxis(o, axis, Math.round((done[i]! - wa) * scale), Math.round((upto - wa) * scale));
      if (i === stages.length - 1 && t === m.output) {
        const audio = kept.data as Float32Array;
        samples += audio.length;
        count++;
        await emit(audio);
      } else {
        let b = buffers.get(t);
        if (!b) buffers.set(t, (b = new TimeBuffer(axis)));
        b.push(done[i]!, kept);
      }
    }
    done[i] = upto;
  };

  const last = stages.length - 1;
  // a tail shorter than a quarter chunk joins the chunk before it (engines' min shapes, per-call costs)
  const next = (from: number, size: number) => (T - (from + size) < Math.floor(chunks.frames / 4) ? T : from + size);
  let b = next(0, chunks.firstFrames);
  for (;;) {
    await ensure(last, b);
    if (b >= T) break;
    b = next(b, chunks.frames);
  }
  return { frames: T, chunks: count, samples };
}

export interface StreamRequest {
  sentences: { text: string; ids: Int32Array }[];
  conditioning: Parameters<Pipeline['run']>[0]['conditioning'];
  chunks: ChunkPolicy;
  /** performance.now() when the request began (the frontend's time counts toward first audio). */
  startedAt: number;
  /** Stage timings before the pipeline (the frontend). */
  before?: StageTiming[];
}

/**
 * Every sentence part in order, each streamed through its chunked stages; `onChunk` gets the audio as it
 * is made. The parts' prefix stages run through the executor (caching, fallbacks, limits as in synth).
 */
export async function streamSentences(pipeline: Pipeline, req: StreamRequest, onChunk: (c: AudioChunk) => void | Promise<void>): Promise<StreamSummary> {
  const plan = await streamPlan(pipeline.model);
  const ids = plan.stages.map((s) => s.stage.id);
  const timings: StageTiming[][] = [req.before ?? []];
  const parts: StreamPartInfo[] = [];
  const warnings: string[] = [];
  let firstAudioMs = NaN;
  let firstAudio: StageTiming[] = [];
  let total = 0;
  for (const [p, sentence] of req.sentences.entries()) {
    const r = await pipeline.run({ sentence, conditioning: req.conditioning, captureInputsOf: ids });
    warnings.push(...r.warnings);
    const chunked = new Map<string, StageTiming>();
    let index = 0;
    // only the request's first audio waits on a small chunk: later parts start while earlier audio plays
    const chunks = p === 0 ? req.chunks : { ...req.chunks, firstFrames: req.chunks.frames };
    const info = await streamPart(pipeline, plan, r.intermediates, chunks, async (samples) => {
      const atMs = performance.now() - req.startedAt;
      if (Number.isNaN(firstAudioMs)) {
        firstAudioMs = atMs;
        firstAudio = [...(req.before ?? []), ...r.stages, ...[...chunked.values()].map((t) => ({ ...t, stage: `${t.stage} (first chunk)` }))];
      }
      await onChunk({ samples, part: p, index: index++, atMs });
    }, chunked);
    total += info.samples;
    timings.push(r.stages, [...chunked.values()]);
    parts.push({ ...info, phonemes: sentence.ids.length, cacheHit: r.cacheHit });
  }
  const totalMs = performance.now() - req.startedAt;
  const sampleRate = pipeline.model.sampleRate;
  return { firstAudioMs, firstAudio, totalMs, samples: total, sampleRate, audioSeconds: total / sampleRate, stages: timings, parts, warnings: [...new Set(warnings)] };
}
