// A runner that tries a primary backend (a TensorRT engine) and falls back to another (ONNX Runtime
// on the CPU) — the seed's "CPU fallback path when the GPU engine fails". Two kinds of trouble:
//   - the primary cannot load, or an inference throws (an error, a crashed trtexec): the engine is
//     broken, and every later call goes to the fallback (sticky);
//   - an inference overruns `timeoutMs`: only THAT call is answered by the fallback; the primary stays
//     in use (a slow call under load is not a broken engine).
// Every fallback is recorded (events) so callers can say so; inferTraced() says which side answered
// one call, so a request can be counted as "fell back". It never retries a broken primary.
// A timeout can only pre-empt a primary that yields while it works (trtexec, a child process, ONNX
// Runtime in a worker thread: OrtThreadRunner, which the serving paths use). An in-process OrtRunner
// call blocks the event loop until it returns, so its overrun cannot be cut short: such a call is
// answered by the primary and counted as `overran`, never hidden.
import type { TensorMap } from '../tensor/tensor.ts';
import type { IoInfo, Runner } from './runner.ts';

export interface FallbackEvent {
  runner: string;
  /** load / infer: the primary is broken (sticky); timeout: one call overran, the primary stays. */
  stage: 'load' | 'infer' | 'timeout';
  reason: string;
}

/** One call's outputs and which side answered it; `fallback` is why the fallback answered (absent: the primary did). */
export interface TracedOutputs {
  outputs: TensorMap;
  fallback?: FallbackEvent['stage'];
  /** The primary answered, but after timeoutMs (it could not be pre-empted). */
  overran?: true;
}

export class FallbackRunner implements Runner {
  readonly name: string;
  /** The event that took the primary out of use for good, if any. */
  private broken: FallbackEvent | null = null;
  private fallbackLoad: Promise<void> | null = null;
  readonly events: FallbackEvent[] = [];
  /** Calls the primary answered after timeoutMs because nothing could interrupt it. */
  overran = 0;

  constructor(
    private readonly primary: Runner,
    private readonly fallback: Runner,
    private readonly opts: {
      timeoutMs?: number;
      onFallback?: (e: FallbackEvent) => void;
      /** Load the fallback up front too, as a server keeps its CPU models resident (else on first need). */
      eager?: boolean;
    } = {},
  ) {
    this.name = `${primary.name} (fallback: ${fallback.name})`;
  }

  get active(): Runner {
    return this.broken ? this.fallback : this.primary;
  }

  /** The primary's lanes while it is in use; the fallback's once it is out (concurrent calls then queue there). */
  get lanes(): number {
    return this.active.lanes ?? 1;
  }

  /** Why the primary is out of use ('load' or 'infer'), or null while it is in use. */
  get brokenAt(): FallbackEvent['stage'] | null {
    return this.broken?.stage ?? null;
  }

  private record(stage: FallbackEvent['stage'], e: unknown): FallbackEvent {
    const ev: FallbackEvent = { runner: this.primary.name, stage, reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
    this.events.push(ev);
    if (stage !== 'timeout') this.broken ??= ev;
    this.opts.onFallback?.(ev);
    return ev;
  }

  /** Loads the fallback once, however many concurrent calls need it. */
  private loadFallback(): Promise<void> {
    this.fallbackLoad ??= this.fallback.load().catch((e) => {
      this.fallbackLoad = null;
      throw e;
    });
    return this.fallbackLoad;
  }

  async load(): Promise<void> {
    try {
      await this.primary.load();
    } catch (e) {
      this.record('load', e);
      await this.loadFallback();
      return;
    }
    if (this.opts.eager) await this.loadFallback();
  }

  inputs(): IoInfo[] {
    return this.active.inputs();
  }
  outputs(): IoInfo[] {
    return this.active.outputs();
  }

  async infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    return (await this.inferTraced(feeds, outputNames)).outputs;
  }

  async inferTraced(feeds: TensorMap, outputNames?: string[]): Promise<TracedOutputs> {
    if (this.broken) {
      await this.loadFallback();
      return { outputs: await this.fallback.infer(feeds, outputNames), fallback: this.broken.stage };
    }
    let why: FallbackEvent['stage'];
    const t0 = performance.now();
    // The timeout is for the inference; a runner's fixed per-call cost (a trtexec process) comes on top.
    const deadline = this.opts.timeoutMs ? this.opts.timeoutMs + (this.primary.callOverheadMs ?? 0) : undefined;
    try {
      const outputs = await withTimeout(this.primary.infer(feeds, outputNames), deadline, this.primary.name);
      if (deadline && performance.now() - t0 > deadline) {
        this.overran++;
        return { outputs, overran: true };
      }
      return { outputs };
    } catch (e) {
      why = this.record(e instanceof TimeoutError ? 'timeout' : 'infer', e).stage;
    }
    await this.loadFallback();
    return { outputs: await this.fallback.infer(feeds, outputNames), fallback: why };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.primary.close(), this.fallback.close()]);
  }
}

/** Stands in for an engine known to be unusable (`bench --fail-engine`): loading it fails with `reason`. */
export class UnavailableRunner implements Runner {
  constructor(
    readonly name: string,
    private readonly reason: string,
  ) {}
  async load(): Promise<void> {
    throw new Error(this.reason);
  }
  inputs(): IoInfo[] {
    return [];
  }
  outputs(): IoInfo[] {
    return [];
  }
  async infer(): Promise<TensorMap> {
    throw new Error(this.reason);
  }
  async close(): Promise<void> {}
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} took longer than ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number | undefined, what: string): Promise<T> {
  if (!ms || ms <= 0) return p;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
