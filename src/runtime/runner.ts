// The one runner interface every backend implements (as Polygraphy's runners do).
// Verification, calibration and synthesis are written once, against this interface.
import type { TensorMap } from '../tensor/tensor.ts';

export interface IoInfo {
  name: string;
  dtype: string;
  /** Dims: numbers for static, strings for symbolic/dynamic. */
  dims: (number | string)[];
}

export interface Runner {
  /** Human-readable name, e.g. "ort(cpu):vocoder" or "trt:vocoder.engine". */
  readonly name: string;
  load(): Promise<void>;
  inputs(): IoInfo[];
  outputs(): IoInfo[];
  /** Run one inference. `outputNames` limits which outputs are fetched (all if omitted). */
  infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap>;
  close(): Promise<void>;
}
