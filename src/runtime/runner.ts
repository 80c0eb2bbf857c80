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
  /**
   * Fixed cost of every call that a serving deployment would not pay (a process start, an engine load):
   * a per-call timeout is for the inference, so deadlines apply on top of this. Absent: none.
   */
  readonly callOverheadMs?: number;
  /** Calls it runs at the same time (a RunnerPool's sessions, src/runtime/pool.ts). Absent: one. */
  readonly lanes?: number;
  load(): Promise<void>;
  inputs(): IoInfo[];
  outputs(): IoInfo[];
  /** Run one inference. `outputNames` limits which outputs are fetched (all if omitted). */
  infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap>;
  close(): Promise<void>;
}
