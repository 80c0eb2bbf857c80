// The model file ONNX Runtime runs for a module on a target: the module's own ONNX, or, where a rewrite
// in src/optimize/ applies, the rewritten model — on the CPU HiFi-GAN's upsamplers (conv-transpose.ts),
// on the CUDA provider 1-D convolutions as matrix products (conv-matmul.ts) — written once under the
// profile's output folder (<output>/<target>-optimized/<module>.onnx) and reused while the source
// file is the same (size and modification time; a sidecar JSON records them and what was rewritten).
// Adapter: reads and writes files. A folder it cannot write (an installed package) means the source
// runs as it is, never a failure: the rewrite changes speed, not results.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileExists, writeFileAtomic } from '../core/files.ts';
import { decodeOnnxModel, encodeOnnxModel } from '../model/onnx.ts';
import { rewriteConvTranspose } from './conv-transpose.ts';
import { rewriteConvAsMatMul } from './conv-matmul.ts';

/** Bumped whenever a rewrite changes, so models written by an older one are redone. */
export const REWRITES_VERSION = 4;

export type OptimizeTarget = 'cpu' | 'cuda' | 'cuda-gather';

/** Each target's rewrite, and the op type a model must contain for it to apply (a plain string in the file). */
// on the CUDA provider HiFi-GAN's upsamplers first become ordinary Convs, so that no convolution is left to cuDNN
const cuda = (im2col: 'slices' | 'gather') => ({ op: 'Conv', rewrite: (m: unknown) => ({ rewritten: [...rewriteConvTranspose(m).rewritten, ...rewriteConvAsMatMul(m, { im2col }).rewritten] }) });
const REWRITES: Record<OptimizeTarget, { op: string; rewrite: (model: unknown) => { rewritten: string[] } }> = {
  cpu: { op: 'ConvTranspose', rewrite: rewriteConvTranspose },
  cuda: cuda('slices'),
  // the default on the CUDA provider: one Gather per convolution for its taps (fewer nodes to dispatch than a Slice per tap)
  'cuda-gather': cuda('gather'),
};

export interface OptimizedModel {
  /** The file to run: the rewritten model, or the source when nothing applied (or nothing could be written). */
  file: string;
  /** Nodes rewritten (empty: the source runs). */
  rewritten: string[];
  /** True when the file was written by this call. */
  written: boolean;
}

interface Sidecar {
  version: number;
  source: string;
  size: number;
  mtimeMs: number;
  rewritten: string[];
}

export function optimizedFile(outputDir: string, name: string, target: OptimizeTarget): string {
  return join(outputDir, `${target}-optimized`, `${name}.onnx`);
}

/** The file to run for `source` on `target` (`name`: the file's name under <output>/<target>-optimized/). */
export async function optimizedModel(source: string, outputDir: string, name: string, target: OptimizeTarget): Promise<OptimizedModel> {
  const src = resolve(source);
  const st = await stat(src).catch(() => null);
  if (!st) return { file: source, rewritten: [], written: false }; // the runner says the file is missing
  const file = optimizedFile(outputDir, name, target);
  const sidecarFile = `${file}.json`;
  const want = { version: REWRITES_VERSION, source: src, size: st.size, mtimeMs: st.mtimeMs };
  const old = (await readFile(sidecarFile, 'utf8').then((t) => JSON.parse(t) as Sidecar).catch(() => null));
  if (old && old.version === want.version && old.source === want.source && old.size === want.size && old.mtimeMs === want.mtimeMs) {
    if (!old.rewritten.length) return { file: source, rewritten: [], written: false };
    if (await fileExists(file)) return { file, rewritten: old.rewritten, written: false };
  }
  const bytes = await readFile(src);
  // an op type is a plain string in the file: a model without one never needs decoding
  const { op, rewrite } = REWRITES[target];
  const model = bytes.includes(op) ? await decodeOnnxModel(bytes, src) : null;
  const { rewritten } = model ? rewrite(model) : { rewritten: [] as string[] };
  try {
    if (rewritten.length) await writeFileAtomic(file, await encodeOnnxModel(model));
    await writeFileAtomic(sidecarFile, JSON.stringify({ ...want, rewritten } satisfies Sidecar, null, 1) + '\n');
  } catch {
    return { file: source, rewritten: [], written: false }; // read-only output folder: run the source as it is
  }
  return rewritten.length ? { file, rewritten, written: true } : { file: source, rewritten: [], written: false };
}
