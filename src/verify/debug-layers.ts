// verify --debug-layers: find the first intermediate tensor, in graph order, where a candidate model
// (as the backend runs it: graph optimisations on, or a QDQ/INT8 model) departs from the fp32 ONNX
// reference run op by op (optimisations off). Both run on ONNX Runtime with every tensor exposed.
import { readFile } from 'node:fs/promises';
import { relL2 } from '../compare/metrics.ts';
import { OrtRunner } from '../runtime/ort.ts';
import { exposeIntermediates } from '../runtime/expose.ts';
import type { TensorMap } from '../tensor/tensor.ts';

export interface LayerDiff {
  tensor: string;
  relL2: number;
}

export async function firstDeparture(
  referenceOnnx: string,
  candidateOnnx: string,
  feeds: TensorMap,
  tolerance: number,
): Promise<{ first: LayerDiff | null; compared: number; worst: LayerDiff | null }> {
  const ref = await exposeIntermediates(await readFile(referenceOnnx), referenceOnnx);
  const cand = await exposeIntermediates(await readFile(candidateOnnx), candidateOnnx);
  const r = new OrtRunner(referenceOnnx, { modelBytes: ref.bytes, optimization: 'disabled' });
  const c = new OrtRunner(candidateOnnx, { modelBytes: cand.bytes, optimization: 'all' });
  await Promise.all([r.load(), c.load()]);
  try {
    const names = ref.tensors.filter((t) => cand.tensors.includes(t));
    const [ro, co] = await Promise.all([r.infer(feeds, names), c.infer(feeds, names)]);
    let first: LayerDiff | null = null;
    let worst: LayerDiff | null = null;
    let compared = 0;
    for (const t of names) {
      const a = ro[t];
      const b = co[t];
      if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || a.data.length !== b.data.length) continue;
      compared++;
      const d = relL2(b.data as Float32Array, a.data as Float32Array);
      if (!worst || d > worst.relL2) worst = { tensor: t, relL2: d };
      if (!first && d > tolerance) first = { tensor: t, relL2: d };
    }
    return { first, compared, worst };
  } finally {
    await Promise.all([r.close(), c.close()]);
  }
}
