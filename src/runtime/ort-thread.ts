// ONNX Runtime in a worker thread, behind the same Runner interface as OrtRunner. onnxruntime-node
// runs inference synchronously on the thread that calls it, so on the main thread a long inference
// blocks timers (a per-request timeout cannot fire) and every other stream. The serving paths (synth,
// bench, the CPU fallback) use this runner: inference of one module runs in its own thread, timeouts
// fire on time, and concurrent requests overlap across modules. Adapter only.
import { Worker } from 'node:worker_threads';
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import type { DType, Tensor, TensorMap } from '../tensor/tensor.ts';
import { ortEnvironmentReady } from './ort-env.ts';
import { sessionOptions, type OrtOptions } from './ort-options.ts';
import type { IoInfo, Runner } from './runner.ts';

const WORKER = new URL('./ort-thread-worker.mjs', import.meta.url);

type Pending = { resolve: (t: TensorMap) => void; reject: (e: Error) => void; shapes: string; settled: Promise<unknown> };

export class OrtThreadRunner implements Runner {
  readonly name: string;
  private worker: Worker | null = null;
  private io: { inputs: IoInfo[]; outputs: IoInfo[] } | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private loading: Promise<void> | null = null;

  constructor(
    readonly modelPath: string,
    private readonly options: Omit<OrtOptions, 'modelBytes'> = {},
  ) {
    this.name = `ort(${(options.providers ?? ['cpu']).join(',')}, thread):${modelPath}`;
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
    const bytes = await readFile(this.modelPath);
    await ortEnvironmentReady(bytes); // a long command line needs a bigger stack for ONNX Runtime's first session
    const worker = new Worker(WORKER);
    worker.unref(); // an idle session never keeps the process alive
    this.io = await new Promise<{ inputs: IoInfo[]; outputs: IoInfo[] }>((resolve, reject) => {
      worker.once('message', (m) => {
        if (m.type === 'loaded') resolve({ inputs: m.inputs, outputs: m.outputs });
        else reject(new UserError(`ONNX Runtime cannot load the model: ${m.message}`, { place: { file: this.modelPath }, hint: 'the file may be corrupt or use unsupported ops; re-export it and run `emovoice inspect` on it' }));
      });
      worker.once('error', (e: Error) => reject(e));
      // Several sessions share the cores in a pipeline: idle thread pools must not spin (see OrtOptions.spinning).
      worker.postMessage({ type: 'load', bytes, sessionOptions: sessionOptions({ spinning: false, ...this.options }) }, [bytes.buffer]);
    }).catch(async (e) => {
      await worker.terminate();
      throw e;
    });
    worker.on('message', (m) => this.onMessage(m));
    worker.on('error', (e: Error) => this.failAll(new Error(`${this.name}: worker thread died: ${e.message}`)));
    worker.on('exit', () => this.failAll(new Error(`${this.name}: worker thread exited`)));
    this.worker = worker;
  }

  private onMessage(m: { type: string; id: number; outputs?: Record<string, { dtype: DType; shape: number[]; data: Tensor['data'] }>; message?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'result') {
      this.unrefIfIdle();
      const out: TensorMap = {};
      for (const [name, t] of Object.entries(m.outputs!)) out[name] = { dtype: t.dtype, shape: t.shape, data: t.data };
      p.resolve(out);
    } else {
      this.unrefIfIdle();
      p.reject(new UserError(`ONNX Runtime inference failed on ${this.modelPath} with ${p.shapes}: ${m.message}`, { exitCode: 3, hint: 'check the input shapes against `emovoice inspect`' }));
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.worker = null;
    this.loading = null;
  }

  private unrefIfIdle(): void {
    if (!this.pending.size) this.worker?.unref();
  }

  inputs(): IoInfo[] {
    return this.loaded().inputs;
  }

  outputs(): IoInfo[] {
    return this.loaded().outputs;
  }

  private loaded(): { inputs: IoInfo[]; outputs: IoInfo[] } {
    if (!this.io) throw new Error(`${this.name}: load() was not called`);
    return this.io;
  }

  infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error(`${this.name}: load() was not called`));
    const msgFeeds: Record<string, { dtype: string; shape: number[]; data: Tensor['data'] }> = {};
    for (const { name } of this.loaded().inputs) {
      const t = feeds[name];
      if (!t) return Promise.reject(new UserError(`missing input "${name}" for ${this.modelPath}`, { hint: `provide inputs: ${this.loaded().inputs.map((i) => i.name).join(', ')}` }));
      // Copied, not transferred: callers keep using their tensors (a cached embedding, a mel for the vocoder).
      msgFeeds[name] = { dtype: t.dtype, shape: [...t.shape], data: t.data };
    }
    const id = this.nextId++;
    const shapes = Object.entries(feeds).map(([n, t]) => `${n}[${t.shape.join('x')}]`).join(' ');
    let entry!: Pending;
    const result = new Promise<TensorMap>((resolve, reject) => {
      entry = { resolve, reject, shapes, settled: Promise.resolve() };
    });
    entry.settled = result.then(() => undefined, () => undefined);
    this.pending.set(id, entry);
    worker.ref(); // a request in flight keeps the process alive until it answers
    worker.postMessage({ type: 'run', id, feeds: msgFeeds, outputNames });
    return result;
  }

  /**
   * Waits for calls still running in the thread (a call that overran its timeout keeps running there),
   * then lets the thread release its session and exit. Terminating a thread in the middle of a native
   * ONNX Runtime call aborts the whole process, so terminate() is only the last resort.
   */
  async close(): Promise<void> {
    // a load still under way (a sibling runner's load failed first) ends before the thread is closed:
    // else its thread, made after this returned, outlived the command and the process never exited
    await this.loading?.catch(() => undefined);
    const w = this.worker;
    if (!w) return;
    await Promise.allSettled([...this.pending.values()].map((p) => p.settled));
    this.worker = null;
    this.loading = null;
    this.io = null;
    w.removeAllListeners('exit');
    const exited = new Promise<void>((res) => w.once('exit', () => res()));
    w.postMessage({ type: 'close' });
    const timer = setTimeout(() => void w.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
