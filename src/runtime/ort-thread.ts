// ONNX Runtime in a worker thread, behind the same Runner interface as OrtRunner. onnxruntime-node
// runs inference synchronously on the thread that calls it, so on the main thread a long inference
// blocks timers (a per-request timeout cannot fire) and every other stream. The serving paths (synth,
// bench, the CPU fallback) use this runner: inference runs in a worker thread and timeouts fire on time.
// The runners of one model share one thread (an OrtThread) unless given their own: each extra thread is
// another JavaScript heap and another malloc arena that keeps its own high-water mark, and on a small
// CPU the modules of one request run one after another anyway (docs/performance-cpu.md has the figures).
// Adapter only.
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stat } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import type { DType, Tensor, TensorMap } from '../tensor/tensor.ts';
import { ortEnvironmentReady } from './ort-env.ts';
import { sessionOptions, type OrtOptions } from './ort-options.ts';
import type { IoInfo, Runner } from './runner.ts';

const WORKER = new URL('./ort-thread-worker.mjs', import.meta.url);

/**
 * Tensors that cross the thread leave garbage outside the JavaScript heap (the copies sent, the outputs
 * received once the caller is done with them, and what the request made of them), which V8 collects only
 * once ~64 MB of it has piled up: with the worker's own pile, up to a sixth of the Piper voice's peak
 * memory over many requests (docs/performance-cpu.md, §6). The main thread collects once this many
 * bytes have crossed it (a few per long request); the worker collects too.
 */
const COLLECT_BYTES = 4 * 2 ** 20;
let crossed = 0;
let collectFn: ((o?: { type: 'minor' | 'major' }) => void) | undefined;
function collectGarbage(): void {
  if (!collectFn) {
    setFlagsFromString('--expose-gc'); // `gc` for contexts made from now on; the program's own global is untouched
    collectFn = runInNewContext('gc') as (o?: { type: 'minor' | 'major' }) => void;
  }
  collectFn({ type: 'minor' }); // young tensors: well under a millisecond
}
function tensorsCrossed(w: Wire): void {
  for (const t of Object.values(w)) crossed += t.data?.byteLength ?? 0;
  if (crossed > COLLECT_BYTES) {
    crossed = 0;
    collectGarbage();
  }
}

type Wire = Record<string, { dtype: DType; shape: number[]; data: Tensor['data'] }>;
type Message = { type: string; id?: number; key?: number; inputs?: IoInfo[]; outputs?: IoInfo[] | Wire; message?: string; stage?: string };
type Pending = { resolve: (t: Wire) => void; reject: (e: Error) => void; settled: Promise<unknown> };

/**
 * One worker thread holding the sessions of several runners (see the header). Started by the first
 * session loaded into it, ended when the last is released. Calls run in the order they are sent.
 */
export class OrtThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private pending = new Map<number, Pending>();
  private loads = new Map<number, { resolve: (io: { inputs: IoInfo[]; outputs: IoInfo[] }) => void; reject: (e: Error) => void }>();
  private sessions = new Set<number>();
  private nextId = 0;
  private nextKey = 0;

  constructor(readonly name = 'ort thread') {}

  private start(): Promise<Worker> {
    this.starting ??= Promise.resolve().then(() => {
      const w = new Worker(WORKER);
      w.unref(); // an idle thread never keeps the process alive
      w.on('message', (m: Message) => this.onMessage(m));
      w.on('error', (e: Error) => this.failAll(new Error(`${this.name}: worker thread died: ${e.message}`)));
      w.on('exit', () => this.failAll(new Error(`${this.name}: worker thread exited`)));
      this.worker = w;
      return w;
    });
    return this.starting;
  }

  /** Load a session from a file (ONNX Runtime reads it); resolves with its key and inputs/outputs. */
  async load(path: string, options: ReturnType<typeof sessionOptions>): Promise<{ key: number; inputs: IoInfo[]; outputs: IoInfo[] }> {
    const w = await this.start();
    const key = this.nextKey++;
    const io = await new Promise<{ inputs: IoInfo[]; outputs: IoInfo[] }>((res, rej) => {
      this.loads.set(key, { resolve: res, reject: rej });
      w.ref();
      w.postMessage({ type: 'load', key, path, sessionOptions: options });
    }).catch(async (e) => {
      if (!this.sessions.size && !this.loads.size) await this.end(); // a thread without sessions does not linger
      throw e;
    }).finally(() => this.unrefIfIdle());
    this.sessions.add(key);
    return { key, ...io };
  }

  run(key: number, feeds: Wire, outputNames?: string[]): Promise<Wire> {
    const w = this.worker;
    if (!w || !this.sessions.has(key)) return Promise.reject(new Error(`${this.name}: session ${key} is not loaded`));
    const id = this.nextId++;
    let entry!: Pending;
    const result = new Promise<Wire>((resolve, reject) => {
      entry = { resolve, reject, settled: Promise.resolve() };
    });
    entry.settled = result.then(() => undefined, () => undefined);
    this.pending.set(id, entry);
    w.ref(); // a request in flight keeps the process alive until it answers
    // Feeds are copied, not transferred: callers keep using their tensors (a cached embedding, a mel for the vocoder).
    w.postMessage({ type: 'run', id, key, feeds, outputNames });
    tensorsCrossed(feeds);
    return result;
  }

  /** Calls in flight (a call that overran its timeout keeps running in the thread). */
  inFlight(): Promise<unknown>[] {
    return [...this.pending.values()].map((p) => p.settled);
  }

  /**
   * Release one session once the calls in flight have answered; the last one ends the thread.
   * Terminating a thread in the middle of a native ONNX Runtime call aborts the whole process, so
   * terminate() is only the last resort.
   */
  async release(key: number): Promise<void> {
    await Promise.allSettled(this.inFlight());
    if (!this.sessions.delete(key)) return;
    const w = this.worker;
    if (!w) return;
    if (this.sessions.size) w.postMessage({ type: 'release', key });
    else await this.end();
  }

  private async end(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    this.starting = null;
    w.removeAllListeners('exit');
    const exited = new Promise<void>((res) => w.once('exit', () => res()));
    w.postMessage({ type: 'close' });
    const timer = setTimeout(() => void w.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private onMessage(m: Message): void {
    if (m.stage === 'load' || m.type === 'loaded') {
      const l = this.loads.get(m.key!);
      this.loads.delete(m.key!);
      if (m.type === 'loaded') l?.resolve({ inputs: m.inputs!, outputs: m.outputs as IoInfo[] });
      else l?.reject(new Error(m.message));
      return;
    }
    const p = this.pending.get(m.id!);
    if (!p) return;
    this.pending.delete(m.id!);
    this.unrefIfIdle();
    if (m.type === 'result') {
      tensorsCrossed(m.outputs as Wire); // garbage of earlier calls; these outputs are still to be used
      p.resolve(m.outputs as Wire);
    } else p.reject(Object.assign(new Error(m.message), { fromSession: true }));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    for (const l of this.loads.values()) l.reject(e);
    this.pending.clear();
    this.loads.clear();
    this.sessions.clear();
    this.worker = null;
    this.starting = null;
  }

  private unrefIfIdle(): void {
    if (!this.pending.size && !this.loads.size) this.worker?.unref();
  }
}

export class OrtThreadRunner implements Runner {
  readonly name: string;
  private readonly thread: OrtThread;
  private session: { key: number; inputs: IoInfo[]; outputs: IoInfo[] } | null = null;
  private loading: Promise<void> | null = null;

  /** `thread`: a thread shared with other runners (one model's modules); absent: a thread of its own. */
  constructor(
    readonly modelPath: string,
    private readonly options: Omit<OrtOptions, 'modelBytes'> = {},
    thread?: OrtThread,
  ) {
    this.name = `ort(${(options.providers ?? ['cpu']).join(',')}, thread):${modelPath}`;
    this.thread = thread ?? new OrtThread(this.name);
  }

  load(): Promise<void> {
    this.loading ??= this.start().catch((e) => {
      this.loading = null;
      throw e;
    });
    return this.loading;
  }

  private async start(): Promise<void> {
    await stat(this.modelPath).catch(() => {
      throw new UserError('ONNX model not found', { place: { file: this.modelPath }, hint: 'check the path in the profile or model manifest, or re-export the model' });
    });
    await ortEnvironmentReady(resolve(this.modelPath)); // a long command line needs a bigger stack for ONNX Runtime's first session (ort-env.ts)
    // Several sessions share the cores in a pipeline: idle thread pools must not spin (see OrtOptions.spinning).
    const options = sessionOptions({ spinning: false, ...this.options }); // a bad EMOVOICE_ORT_LOG is its own error, not the model's
    try {
      this.session = await this.thread.load(resolve(this.modelPath), options);
    } catch (e) {
      throw new UserError(`ONNX Runtime cannot load the model: ${(e as Error).message}`, { place: { file: this.modelPath }, hint: 'the file may be corrupt or use unsupported ops; re-export it and run `emovoice inspect` on it' });
    }
  }

  inputs(): IoInfo[] {
    return this.loaded().inputs;
  }

  outputs(): IoInfo[] {
    return this.loaded().outputs;
  }

  private loaded(): { key: number; inputs: IoInfo[]; outputs: IoInfo[] } {
    if (!this.session) throw new Error(`${this.name}: load() was not called`);
    return this.session;
  }

  async infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    const s = this.session;
    if (!s) throw new Error(`${this.name}: load() was not called`);
    const wire: Wire = {};
    for (const { name } of s.inputs) {
      const t = feeds[name];
      if (!t) throw new UserError(`missing input "${name}" for ${this.modelPath}`, { hint: `provide inputs: ${s.inputs.map((i) => i.name).join(', ')}` });
      wire[name] = { dtype: t.dtype, shape: [...t.shape], data: t.data };
    }
    try {
      const out = await this.thread.run(s.key, wire, outputNames);
      const result: TensorMap = {};
      for (const [name, t] of Object.entries(out)) result[name] = { dtype: t.dtype, shape: t.shape, data: t.data };
      return result;
    } catch (e) {
      if (!(e as { fromSession?: boolean }).fromSession) throw new Error(`${this.name}: ${(e as Error).message}`);
      const shapes = Object.entries(feeds).map(([n, t]) => `${n}[${t.shape.join('x')}]`).join(' ');
      throw new UserError(`ONNX Runtime inference failed on ${this.modelPath} with ${shapes}: ${(e as Error).message}`, { exitCode: 3, hint: 'check the input shapes against `emovoice inspect`' });
    }
  }

  /** Waits for calls still running in the thread, then releases this runner's session (see OrtThread.release). */
  async close(): Promise<void> {
    // a load still under way (a sibling runner's load failed first) ends before the session is released
    await this.loading?.catch(() => undefined);
    const s = this.session;
    if (!s) return;
    this.session = null;
    this.loading = null;
    await this.thread.release(s.key);
  }
}
