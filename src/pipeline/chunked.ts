// Whole requests, with the last of the manifest's streaming stages (the vocoder) run on chunks of its
// input: each chunk carries the context frames its receptive field needs (computed from its ONNX graph,
// as streaming does: src/pipeline/stream.ts), so the joined output is what the whole-input run gives —
// the same arithmetic on the same numbers. Why: a vocoder's activations grow with the sentence (a
// HiFi-GAN holds several channels × samples tensors, ~120 MB for 5.5 s of the Piper voice); on chunks of at
// most `serving.chunk_frames` frames its peak is the chunk's, whatever the sentence's length, and its
// smaller tensors stay in the caches (docs/performance-cpu.md has the figures). Knows no family; reads a
// module's graph only when an input is longer than one chunk.
import { UserError } from '../core/errors.ts';
import type { StageSpec } from '../model/graph.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { FallbackRunner, type TracedOutputs } from '../runtime/fallback.ts';
import type { Runner } from '../runtime/runner.ts';
import type { TensorMap } from '../tensor/tensor.ts';

/** One call: input frames [from, to) run, output kept for frames [keepFrom, keepTo). */
export interface ChunkWindow {
  from: number;
  to: number;
  keepFrom: number;
  keepTo: number;
}

/**
 * T frames cut into ceil(T / frames) kept pieces of near-equal length (none longer than `frames`), each
 * run with up to `left` frames before and `right` after it (fewer at the ends). Pure.
 */
export function chunkWindows(T: number, frames: number, left: number, right: number, lanes = 1): ChunkWindow[] {
  if (!(frames >= 1) || !Number.isInteger(frames)) throw new Error(`chunk frames must be a positive integer, not ${frames}`);
  const n = chunkCount(T, frames, left + right, lanes);
  const out: ChunkWindow[] = [];
  for (let i = 0; i < n; i++) {
    const keepFrom = Math.round((i * T) / n);
    const keepTo = Math.round(((i + 1) * T) / n);
    out.push({ keepFrom, keepTo, from: Math.max(0, keepFrom - left), to: Math.min(T, keepTo + right) });
  }
  return out;
}

/**
 * How many pieces T frames are cut into: enough that none is over `frames`, rounded up to a multiple of
 * `lanes` (runners that take calls at once) so every lane gets work — but never so many that a piece is
 * shorter than twice the context it carries (the context would then cost more than the lanes give). Pure.
 */
export function chunkCount(T: number, frames: number, context: number, lanes = 1): number {
  const least = Math.max(1, Math.ceil(T / frames));
  if (lanes <= 1) return least;
  const most = Math.max(1, Math.floor(T / Math.max(1, 2 * context)));
  const rounded = Math.ceil(least / lanes) * lanes;
  return rounded <= most ? rounded : Math.max(least, Math.min(most, lanes));
}

/** The frames along the manifest's streaming dim of this stage's inputs, when it is the last streaming stage. */
function streamedFrames(m: ModelManifest, st: StageSpec, inputs: TensorMap): number | null {
  if (!m.streaming || st.id !== m.streaming.stages.at(-1) || !st.module) return null;
  const spec = m.modules[st.module]!;
  for (const [port] of st.in) {
    const at = spec.inputs[port]?.dims.indexOf(m.streaming.dim) ?? -1;
    const t = inputs[port];
    if (at >= 0 && t) return t.shape[at]!;
  }
  return null;
}

/**
 * Run a module stage on chunks of at most `frames` frames (OpenModel.chunkFrames) when it is the
 * manifest's last streaming stage and its input is longer than one chunk; null otherwise (absent or 0
 * frames, another stage, a short input: the caller runs it whole). A runner with several lanes (a
 * RunnerPool, serving.chunk_lanes) gets its chunks all at once, cut in a multiple of its lanes, even an
 * input within one chunk.
 */
export async function inferChunked(m: ModelManifest, frames: number | undefined, st: StageSpec, runner: Runner, inputs: TensorMap, names: string[]): Promise<TracedOutputs | null> {
  const lanes = runner.lanes ?? 1;
  if (!frames && lanes <= 1) return null;
  const T = streamedFrames(m, st, inputs);
  if (T === null || (lanes <= 1 && T <= frames!)) return null;
  const { lastChunkedStage, sliceAxis, concatAxis } = await import('./stream.ts');
  const plan = await lastChunkedStage(m);
  const windows = chunkWindows(T, frames || T, plan.left, plan.right, lanes);
  if (windows.length === 1) return null;
  const pieces = new Map<string, TensorMap[string][]>();
  let fallback: TracedOutputs['fallback'];
  let overran = false;
  const run = (w: ChunkWindow) => {
    const feeds: TensorMap = {};
    for (const [port, t] of Object.entries(inputs)) {
      const axis = plan.timeInputs[port];
      feeds[port] = axis === undefined ? t : sliceAxis(t, axis, w.from, w.to);
    }
    return runner instanceof FallbackRunner ? runner.inferTraced(feeds, names) : runner.infer(feeds, names).then((outputs) => ({ outputs }) as TracedOutputs);
  };
  // one lane: a chunk at a time (the peak is one chunk's); several: all at once, the runner queues the rest
  const results = lanes > 1 ? await Promise.all(windows.map(run)) : [];
  for (const [i, w] of windows.entries()) {
    const traced = lanes > 1 ? results[i]! : await run(w);
    fallback ??= traced.fallback;
    overran ||= !!traced.overran;
    for (const name of names) {
      const o = traced.outputs[name];
      const time = plan.timeOutputs[name];
      if (!o || !time) throw new Error(`stage ${st.id} gave no output ${name}`);
      const len = o.shape[o.shape.length + time.axis]!;
      if (len !== Math.round((w.to - w.from) * time.scale)) {
        throw new UserError(`stage "${st.id}" gave ${len} positions of ${name} for ${w.to - w.from} frames, not the ${(w.to - w.from) * time.scale} its graph's upsampling (${time.scale}) says`, {
          place: m.locate(['streaming', 'stages', m.streaming!.stages.length - 1]),
          hint: 'set serving.chunk_frames: 0 in the profile (whole inputs), or stream only stages whose output length is a fixed multiple of their input frames',
        });
      }
      const kept = sliceAxis(o, time.axis, Math.round((w.keepFrom - w.from) * time.scale), Math.round((w.keepTo - w.from) * time.scale));
      (pieces.get(name) ?? pieces.set(name, []).get(name)!).push(kept);
    }
  }
  const outputs: TensorMap = {};
  for (const [name, ts] of pieces) outputs[name] = concatAxis(ts, plan.timeOutputs[name]!.axis);
  return { outputs, ...(fallback && { fallback }), ...(overran && { overran: true as const }) };
}
