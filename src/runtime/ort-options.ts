// ONNX Runtime session options from emovoice's runner options: plain data and one pure function, kept
// apart from the adapter so that the main thread of OrtThreadRunner never loads the native addon.
import type { InferenceSession } from 'onnxruntime-node';

export interface OrtOptions {
  /** Execution providers in order of preference; 'cpu' is always appended as the last resort. */
  providers?: ('cpu' | 'cuda' | 'tensorrt')[];
  intraOpThreads?: number;
  /** Model bytes instead of the file (e.g. a model with exposed intermediate outputs). */
  modelBytes?: Uint8Array;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Whether ONNX Runtime's thread pools spin between calls (its default). Spinning keeps a core busy
   * after each call; with several sessions sharing the cores (a pipeline in worker threads) it steals
   * them from the session that runs next, so OrtThreadRunner turns it off.
   */
  spinning?: boolean;
  /**
   * With spinning on: how long (µs) an idle pool thread spins before it sleeps (ONNX Runtime ≥ 1.26), and
   * spinning stops at the end of every run, so a finished session's pool never spins into the next
   * session's time. Absent: ONNX Runtime's own spin, which goes on after the run.
   */
  spinMicroseconds?: number;
  /**
   * ONNX Runtime's CPU memory arena (its default: on). The arena keeps each session's high-water mark of
   * activations for the life of the session, rounded up to powers of two; off, activations go back to
   * malloc after each call (docs/performance-cpu.md: what it saves and what it costs).
   */
  arena?: boolean;
  /**
   * ONNX Runtime's memory pattern (its default: on): one block per run, planned for the input shapes.
   * With inputs whose lengths change on every request it plans and allocates a new block size each
   * time, which fragments the arena (docs/performance-cpu.md).
   */
  memPattern?: boolean;
}

/** ONNX Runtime session options for these options (CPU always last among the providers). Pure. */
export function sessionOptions(o: OrtOptions): InferenceSession.SessionOptions {
  const s: InferenceSession.SessionOptions = {
    executionProviders: [...new Set([...(o.providers ?? []), 'cpu'])],
    graphOptimizationLevel: o.optimization ?? 'all',
  };
  if (o.intraOpThreads) s.intraOpNumThreads = o.intraOpThreads;
  if (o.arena !== undefined) s.enableCpuMemArena = o.arena;
  if (o.memPattern !== undefined) s.enableMemPattern = o.memPattern;
  // session.intra_op.allow_spinning / session.inter_op.allow_spinning (onnxruntime_session_options_config_keys.h)
  if (o.spinning === false) s.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
  // session.intra_op.spin_duration_us and session.force_spinning_stop (the same header)
  else if (o.spinMicroseconds !== undefined) s.extra = { session: { intra_op: { allow_spinning: '1', spin_duration_us: String(Math.round(o.spinMicroseconds)) }, force_spinning_stop: '1' } };
  return s;
}
