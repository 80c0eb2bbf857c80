// The model file ONNX Runtime's CPU runs for an FP32 module: the module's own ONNX, or, where a rewrite
// in src/optimize/ applies (HiFi-GAN's upsamplers, conv-transpose.ts), the rewritten model, written once
// under the profile's output folder (<output>/cpu-optimized/<module>.onnx) and reused while the source
// file is the same (size and modification time; a sidecar JSON records them and what was rewritten).
// Adapter: reads and writes files. A folder it cannot write (an installed package) means the source
// runs as it is, never a failure: the rewrite changes speed, not results.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileExists, writeFileAtomic } from '../core/files.ts';
import { decodeOnnxModel, encodeOnnxModel } from '../model/onnx.ts';
import { rewriteConvTranspose } from './conv-transpose.ts';

/** Bumped whenever a rewrite changes, so models written by an older one are redone. */
export const REWRITES_VERSION = 1;

export interface CpuOptimized {
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

export function cpuOptimizedFile(outputDir: string, module: string): string {
  return join(outputDir, 'cpu-optimized', `${module}.onnx`);
}

export async function cpuOptimizedModel(source: string, outputDir: string, module: string): Promise<CpuOptimized> {
  const src = resolve(source);
  const st = await stat(src).catch(() => null);
  if (!st) return { file: source, rewritten: [], written: false }; // the runner says the file is missing
  const file = cpuOptimizedFile(outputDir, module);
  const sidecarFile = `${file}.json`;
  const want = { version: REWRITES_VERSION, source: src, size: st.size, mtimeMs: st.mtimeMs };
  const old = (await readFile(sidecarFile, 'utf8').then((t) => JSON.parse(t) as Sidecar).catch(() => null));
  if (old && old.version === want.version && old.source === want.source && old.size === want.size && old.mtimeMs === want.mtimeMs) {
    if (!old.rewritten.length) return { file: source, rewritten: [], written: false };
    if (await fileExists(file)) return { file, rewritten: old.rewritten, written: false };
  }
  const bytes = await readFile(src);
  // an op type is a plain string in the file: a model without one never needs decoding
  const model = bytes.includes('ConvTranspose') ? await decodeOnnxModel(bytes, src) : null;
  const { rewritten } = model ? rewriteConvTranspose(model) : { rewritten: [] as string[] };
  try {
    if (rewritten.length) await writeFileAtomic(file, await encodeOnnxModel(model));
    await writeFileAtomic(sidecarFile, JSON.stringify({ ...want, rewritten } satisfies Sidecar, null, 1) + '\n');
  } catch {
    return { file: source, rewritten: [], written: false }; // read-only output folder: run the source as it is
  }
  return rewritten.length ? { file, rewritten, written: true } : { file: source, rewritten: [], written: false };
}
