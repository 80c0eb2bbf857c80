// Makes ONNX Runtime's process-wide environment on a thread whose stack fits this process's command line.
// Why: the first ONNX Runtime session of a process creates its environment (a singleton), and in
// onnxruntime-node 1.30 on Linux that reads the whole command line (/proc/self/cmdline) and matches it
// with std::regex, whose libstdc++ matcher recurses about three frames (~290 bytes of stack, measured)
// per byte. A worker thread has a 4 MiB stack, so ~14,500 bytes of arguments (a long text, a long
// --input) overflowed it: a segfault (exit 139) with no message; the main thread's 8 MiB gave out near
// 28,000. Here, before the first session, a command line longer than a default stack fits makes the
// environment once in a short-lived worker thread given a stack sized for it; later sessions (any
// thread) reuse that environment and never match the command line again.
// Adapter only; never loads onnxruntime-node on the calling thread.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** Stack bytes per command-line byte the environment's regex needs: measured ~290 on x64; with margin. */
export const STACK_BYTES_PER_CMDLINE_BYTE = 512;
/** Node's default stack for a worker thread, in MiB. */
export const DEFAULT_THREAD_STACK_MB = 4;

const WORKER = new URL('./ort-thread-worker.mjs', import.meta.url);

/** MiB of stack a thread needs to make ONNX Runtime's environment for a command line of this many bytes. Pure. */
export function ortStackMb(cmdlineBytes: number): number {
  return DEFAULT_THREAD_STACK_MB + Math.ceil((cmdlineBytes * STACK_BYTES_PER_CMDLINE_BYTE) / 2 ** 20);
}

/** The length of this process's command line as the kernel shows it (what ONNX Runtime reads). */
export function commandLineBytes(): number {
  try {
    return readFileSync('/proc/self/cmdline').length;
  } catch {
    // not Linux (or no /proc): the arguments as Node has them, each NUL-terminated
    return [process.argv0, ...process.execArgv, ...process.argv.slice(1)].reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  }
}

let ready: Promise<void> | null = null;

/**
 * Resolves once ONNX Runtime's environment exists or needs no special stack. `model` is a model (a file or its bytes)
 * to open for it (copied; the caller keeps its bytes): onnxruntime-node makes the environment with
 * its first session. A model that fails to load leaves the environment made all the same; the
 * caller's own load reports that failure.
 */
export function ortEnvironmentReady(model: Uint8Array | string): Promise<void> {
  const bytes = commandLineBytes();
  // fits a worker's default stack with a MiB to spare: nothing to do (the usual case)
  if (bytes * STACK_BYTES_PER_CMDLINE_BYTE <= (DEFAULT_THREAD_STACK_MB - 1) * 2 ** 20) return Promise.resolve();
  const mb = ortStackMb(bytes);
  ready ??= makeEnvironment(typeof model === 'string' ? model : new Uint8Array(model), mb).catch((e) => {
    ready = null;
    throw e;
  });
  return ready;
}

async function makeEnvironment(model: Uint8Array | string, stackSizeMb: number): Promise<void> {
  const worker = new Worker(WORKER, { resourceLimits: { stackSizeMb } });
  const exited = new Promise<void>((res) => worker.once('exit', () => res()));
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve()); // 'loaded' or 'error': the environment was made either way
      worker.once('error', reject);
      // the worker's protocol (ort-thread-worker.mjs): `path` is a file, or the model's bytes (both open a session)
      worker.postMessage({ type: 'load', key: 0, path: model, sessionOptions: { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' } }, typeof model === 'string' ? [] : [model.buffer as ArrayBuffer]);
    });
    worker.postMessage({ type: 'close' }); // the environment outlives the thread (a process-wide singleton)
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  await exited;
}
