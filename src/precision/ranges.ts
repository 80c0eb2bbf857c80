// Measured activation ranges for the strongly typed conversion: run the FP32 module on ONNX Runtime with
// every intermediate exposed (runtime/expose.ts) over real module inputs, and keep per-tensor statistics
// (calibrate/histogram.ts) — the same pass calibration makes. Adapter: reads the model, runs ORT.
import { readFile } from 'node:fs/promises';
import { StatisticsCollector } from '../calibrate/histogram.ts';
import { UserError } from '../core/errors.ts';
import { exposeIntermediates } from '../runtime/expose.ts';
import { OrtRunner } from '../runtime/ort.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import type { TensorRange } from './convert.ts';

export interface MeasuredRanges {
  ranges: Map<string, TensorRange>;
  /** Module inputs the statistics cover. */
  inputs: number;
}

/** One pass over `inputs`: absmax and non-finite count of every float tensor (graph inputs included). */
export async function measureRanges(onnxFile: string, inputs: AsyncIterable<TensorMap> | Iterable<TensorMap>): Promise<MeasuredRanges> {
  const exposed = await exposeIntermediates(await readFile(onnxFile), onnxFile);
  const runner = new OrtRunner(onnxFile, { modelBytes: exposed.bytes });
  await runner.load();
  // 16 bins: only absmax and the non-finite count are used; the histogram is calibration's business
  const stats = new StatisticsCollector({ bins: 16 });
  let n = 0;
  try {
    for await (const feeds of inputs) {
      const outs = await runner.infer(feeds);
      for (const [name, t] of Object.entries({ ...feeds, ...outs })) if (t.dtype === 'float32') stats.add(name, t.data as Float32Array);
      n++;
    }
  } finally {
    await runner.close();
  }
  if (n === 0) {
    throw new UserError('no real speech input reached this module, so its activation ranges cannot be measured', {
      place: { file: onnxFile },
      hint: 'run `bash calibration/fetch-speech.sh` (the recordings listed in calibration/speech.yaml)',
    });
  }
  const ranges = new Map<string, TensorRange>();
  for (const [name, s] of stats.snapshot()) ranges.set(name, { absmax: s.absmax, nonFinite: s.nonFinite });
  return { ranges, inputs: n };
}
