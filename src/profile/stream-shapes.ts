// The chunk shape in engine profiles: a module that `synth --stream` runs on chunks sees windows of
// chunk + left + right context frames (context from its ONNX graph, src/pipeline/stream.ts), so its
// engine's optimisation profile has opt there, admits the smallest window (a part's first chunk) at min
// and the largest (a chunk that took a short tail) at max. Pure: the profile, the manifest and the
// contexts in; every mismatch as a UserError at the shape, with the numbers to write.
import { UserError } from '../core/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { LoadedProfile } from './load.ts';

/** Most frames a chunk may hold: a tail shorter than a quarter chunk joins the chunk before it. */
export const maxChunkFrames = (frames: number) => frames + Math.floor(frames / 4);

export interface StageContext {
  stage: string;
  left: number;
  right: number;
}

export function streamShapeIssues(
  loaded: LoadedProfile,
  manifest: Pick<ModelManifest, 'streaming' | 'graph' | 'modules'>,
  contexts: StageContext[],
  chunks: { firstFrames: number; frames: number },
): UserError[] {
  const errs: UserError[] = [];
  const s = manifest.streaming;
  if (!s || loaded.profile.backend !== 'trt') return errs;
  for (const c of contexts) {
    const st = manifest.graph.find((g) => g.id === c.stage);
    if (!st?.module) continue;
    const shapes = loaded.profile.modules?.[st.module]?.shapes ?? {};
    for (const [port] of st.in) {
      const dims: (number | string)[] | undefined = manifest.modules[st.module]!.inputs[port]?.dims;
      const at = dims?.indexOf(s.dim) ?? -1;
      const range = shapes[port];
      if (at < 0 || !range) continue;
      const opt = chunks.frames + c.left + c.right;
      const least = chunks.firstFrames + c.right;
      const most = maxChunkFrames(chunks.frames) + c.left + c.right;
      const where = ['modules', st.module, 'shapes', port];
      if (range.opt[at] !== opt) {
        errs.push(new UserError(`${st.module}.${port}: opt[${at}] = ${range.opt[at]}, but a streamed chunk is ${chunks.frames} + ${c.left} + ${c.right} context = ${opt} frames`, { place: loaded.locate([...where, 'opt']), hint: `set opt[${at}] to ${opt} (serving.stream_chunk_frames plus the context from the ONNX graph)` }));
      }
      if (range.min[at]! > least) {
        errs.push(new UserError(`${st.module}.${port}: min[${at}] = ${range.min[at]} is over the first chunk's ${least} frames`, { place: loaded.locate([...where, 'min']), hint: `lower min[${at}] to ${least} or less, or raise serving.stream_first_chunk_frames` }));
      }
      if (range.max[at]! < most) {
        errs.push(new UserError(`${st.module}.${port}: max[${at}] = ${range.max[at]} is under the largest chunk's ${most} frames`, { place: loaded.locate([...where, 'max']), hint: `raise max[${at}] to ${most} or more, or lower serving.stream_chunk_frames` }));
      }
    }
  }
  return errs;
}
