// ONNX Runtime session options from emovoice's runner options: plain data and one pure function, kept
// apart from the adapter so that the main thread of OrtThreadRunner never loads the native addon.
import type { InferenceSession } from 'onnxruntime-node';
import { UserError } from '../core/errors.ts';

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

/** ONNX Runtime's log severities by name, as `EMOVOICE_ORT_LOG` takes them. */
const ORT_LOG_LEVELS = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const;

/**
 * The sessions' log severity: errors only by default. ONNX Runtime's warnings on the GPU providers (nodes
 * it places on the CPU, the Memcpy nodes it adds) are expected there and print on every session, in colour;
 * `EMOVOICE_ORT_LOG=warning` (or info, verbose) shows them again. A name it does not know is refused.
 */
export function ortLogLevel(env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 | 4 {
  const v = env.EMOVOICE_ORT_LOG;
  if (v === undefined || v === '') return ORT_LOG_LEVELS.error;
  const level = ORT_LOG_LEVELS[v as keyof typeof ORT_LOG_LEVELS];
  if (level === undefined) throw new UserError(`EMOVOICE_ORT_LOG=${v}: no such log level`, { hint: `use one of ${Object.keys(ORT_LOG_LEVELS).join(', ')}, or unset it (errors only)` });
  return level;
}

/** ONNX Runtime session options for these options (CPU always last among the providers). Pure but for the log level's environment variable. */
export function sessionOptions(o: OrtOptions, env: NodeJS.ProcessEnv = process.env): InferenceSession.SessionOptions {
  const s: InferenceSession.SessionOptions = {
    executionProviders: [...new Set([...(o.providers ?? []), 'cpu'])],
    graphOptimizationLevel: o.optimization ?? 'all',
    logSeverityLevel: ortLogLevel(env),
  };
  if (o.intraOpThreads) s.intraOpNumThreads = o.intraOpThreads;
  if (o.arena !== undefined) s.enableCpuMemArena = o.arena;
  if (o.memPattern !== undefined) s.enableMemPattern = o.memPattern;
  // session.intra_op.allow_spinning / session.inter_op.allow_spinning (onnxruntime_session_options_config_keys.h)
  if (o.spinning === false) s.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
  // session.intra_op.spin_duration_us and session.force_spinning_stop (the same header)
  else if (o.spinMicroseconds !== undefined) s.extra = { session: { intra_op: { allow_spinning: '1', spin_duration_us: String(Math.round(o.spinMicroseconds)) }, force_spinning_stop: '1' } };
  // optimization.disable_specified_optimizers (the same header): the NHWC transformer turns each QLinearConv of
  // the INT8 integer form (src/optimize/int8-cpu.ts) channels-last, with Transposes around it that it cannot
  // cancel across the float residual Adds and that it moves onto float tensors with new Q/DQ pairs: 33
  // Transposes, 9 more Q/DQ pairs in the Piper vocoder, 10 % of its time. Without it QLinearConv runs
  // channels-first (transposing inside its kernel, in 8 bits). It touches only quantized (and ARM FP16) ops.
  s.extra = { ...s.extra, optimization: { disable_specified_optimizers: 'NhwcTransformer' } };
  return s;
}
