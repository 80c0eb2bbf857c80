// The model file ONNX Runtime runs for a module on a target: the module's own ONNX, or, where a rewrite
// in src/optimize/ applies, the rewritten model — on the CPU HiFi-GAN's upsamplers (conv-transpose.ts),
// on the CUDA provider 1-D convolutions as matrix products (conv-matmul.ts), and an INT8 module on the
// CPU in ONNX Runtime's integer form (int8-cpu.ts) — written once under the profile's output folder
// (<output>/<target>-optimized/<module>.onnx) and reused while the source file is the same (size and
// modification time; a sidecar JSON records them and what was rewritten). Adapter: reads and writes
// files. A folder it cannot write (an installed package) means an FP32 source runs as it is, never a
// failure (those rewrites change speed, not results); the INT8 form there is an error line.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileExists, writeFileAtomic } from '../core/files.ts';
import { decodeOnnxModel, encodeOnnxModel } from '../model/onnx.ts';
import { rewriteConvTranspose } from './conv-transpose.ts';
import { rewriteConvAsMatMul } from './conv-matmul.ts';
import { rewriteConvsInt8 } from './int8-cpu.ts';
import { parseCalibrationCache, scaleToAmax } from '../calibrate/cache.ts';
import { UserError } from '../core/errors.ts';

/** Bumped whenever a rewrite changes, so models written by an older one are redone. */
export const REWRITES_VERSION = 5;

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
  /** The INT8 form: the calibration cache its ranges came from (its size and modification time). */
  ranges?: { file: string; size: number; mtimeMs: number };
  rewritten: string[];
}

export function optimizedFile(outputDir: string, name: string, target: OptimizeTarget | 'cpu-int8'): string {
  return target === 'cpu-int8' ? join(outputDir, 'cpu-optimized', `${name}.int8.onnx`) : join(outputDir, `${target}-optimized`, `${name}.onnx`);
}

/** The file to run for `source` on `target` (`name`: the file's name under <output>/<target>-optimized/). */
export async function optimizedModel(source: string, outputDir: string, name: string, target: OptimizeTarget): Promise<OptimizedModel> {
  const { op, rewrite } = REWRITES[target];
  return cachedRewrite(source, optimizedFile(outputDir, name, target), null, async (bytes, src) => {
    // an op type is a plain string in the file: a model without one never needs decoding
    const model = bytes.includes(op) ? await decodeOnnxModel(bytes, src) : null;
    return { model, rewritten: model ? rewrite(model).rewritten : [] };
  });
}

/**
 * The INT8 file ONNX Runtime's CPU runs for an FP32 `source` (src/optimize/int8-cpu.ts): its upsamplers
 * rewritten as for FP32, then its convolutions in the integer form, with the activation ranges of the
 * calibration cache `cacheFile` (TensorRT's text form, what `emovoice calibrate` writes). The Convs the
 * calibration's Q/DQ model `qdqModel` leaves in float (calibrate --keep-fp16, a profile's layer_precisions)
 * stay in float here too. Written to <output>/cpu-optimized/<name>.int8.onnx, redone when the source or
 * the cache changes; nothing quantized (no range fits) runs the source.
 */
export async function int8CpuModel(source: string, cacheFile: string, outputDir: string, name: string, opts: { qdqModel?: string } = {}): Promise<OptimizedModel> {
  const cache = resolve(cacheFile);
  const st = await stat(cache).catch(() => null);
  if (!st) throw new UserError('calibration cache not found', { place: { file: cacheFile }, hint: 're-run `emovoice calibrate` for this module (it writes the cache beside the Q/DQ model)' });
  const ranges = { file: cache, size: st.size, mtimeMs: st.mtimeMs };
  return cachedRewrite(source, optimizedFile(outputDir, name, 'cpu-int8'), ranges, async (bytes, src) => {
    const { scales } = parseCalibrationCache(await readFile(cache, 'utf8'), cache);
    const amax = new Map([...scales].map(([k, v]) => [k, scaleToAmax(v)]));
    const keep = opts.qdqModel ? floatConvs(await decodeOnnxModel(await readFile(opts.qdqModel), opts.qdqModel)) : new Set<string>();
    const model = await decodeOnnxModel(bytes, src);
    rewriteConvTranspose(model);
    return { model, rewritten: rewriteConvsInt8(model, amax, { keep }).quantized };
  }, { writeFailure: 'throw' });
}

/** The Conv nodes of a Q/DQ model whose weight is not dequantized: those its calibration kept in float. Pure. */
export function floatConvs(qdq: { graph: { node: { opType: string; name?: string; input: string[]; output: string[] }[] } }): Set<string> {
  const dq = new Set(qdq.graph.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output[0]));
  return new Set(qdq.graph.node.filter((n) => n.opType === 'Conv' && !dq.has(n.input[1]!)).map((n) => n.name || n.output[0]!));
}

/**
 * The rewritten form of `source` at `file`, reused while the source (and the ranges' file) are unchanged:
 * a sidecar records them and what was rewritten. A folder it cannot write means the source runs
 * (`writeFailure: 'source'`, the FP32 rewrites: speed only) or an error (the INT8 form: other numbers).
 */
async function cachedRewrite(
  source: string,
  file: string,
  ranges: Sidecar['ranges'] | null,
  rewrite: (bytes: Buffer, src: string) => Promise<{ model: unknown; rewritten: string[] }>,
  opts: { writeFailure?: 'source' | 'throw' } = {},
): Promise<OptimizedModel> {
  const src = resolve(source);
  const st = await stat(src).catch(() => null);
  if (!st) return { file: source, rewritten: [], written: false }; // the runner says the file is missing
  const sidecarFile = `${file}.json`;
  const want: Omit<Sidecar, 'rewritten'> = { version: REWRITES_VERSION, source: src, size: st.size, mtimeMs: st.mtimeMs, ...(ranges && { ranges }) };
  const old = (await readFile(sidecarFile, 'utf8').then((t) => JSON.parse(t) as Sidecar).catch(() => null));
  const same = (a: Sidecar['ranges'], b: Sidecar['ranges']) => a?.file === b?.file && a?.size === b?.size && a?.mtimeMs === b?.mtimeMs;
  if (old && old.version === want.version && old.source === want.source && old.size === want.size && old.mtimeMs === want.mtimeMs && same(old.ranges, want.ranges)) {
    if (!old.rewritten.length) return { file: source, rewritten: [], written: false };
    if (await fileExists(file)) return { file, rewritten: old.rewritten, written: false };
  }
  const { model, rewritten } = await rewrite(await readFile(src), src);
  try {
    if (rewritten.length) await writeFileAtomic(file, await encodeOnnxModel(model));
    await writeFileAtomic(sidecarFile, JSON.stringify({ ...want, rewritten } satisfies Sidecar, null, 1) + '\n');
  } catch (e) {
    if (opts.writeFailure === 'throw') throw new UserError(`cannot write ${file}: ${(e as Error).message}`, { place: { file }, hint: 'make the profile\'s output folder writable (or set output: to one that is)' });
    return { file: source, rewritten: [], written: false }; // read-only output folder: run the source as it is
  }
  return rewritten.length ? { file, rewritten, written: true } : { file: source, rewritten: [], written: false };
}
