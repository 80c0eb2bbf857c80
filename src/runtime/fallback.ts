// A runner that tries a primary backend (a TensorRT engine) and falls back to another (ONNX Runtime
// on the CPU) when the primary fails to load, throws, or overruns its time budget — the seed's
// "CPU fallback path when the GPU engine fails". It records every fallback so callers can say so.
import type { TensorMap } from '../tensor/tensor.ts';
import type { IoInfo, Runner } from './runner.ts';

export interface FallbackEvent {
  runner: string;
  stage: 'load' | 'infer';
  reason: string;
}

export class FallbackRunner implements Runner {
  readonly name: string;
  private useFallback = false;
  readonly events: FallbackEvent[] = [];

  constructor(
    private readonly primary: Runner,
    private readonly fallback: Runner,
    private readonly opts: { timeoutMs?: number; onFallback?: (e: FallbackEvent) => void } = {},
  ) {
    this.name = `${primary.name} (fallback: ${fallback.name})`;
  }

  get active(): Runner {
    return this.useFallback ? this.fallback : this.primary;
  }

  private record(stage: FallbackEvent['stage'], e: unknown): void {
    const ev = { runner: this.primary.name, stage, reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
    this.events.push(ev);
    this.opts.onFallback?.(ev);
    this.useFallback = true;
  }

  async load(): Promise<void> {
    try {
      await this.primary.load();
    } catch (e) {
      this.record('load', e);
      await this.fallback.load();
    }
  }

  inputs(): IoInfo[] {
    return this.active.inputs();
  }
  outputs(): IoInfo[] {
    return this.active.outputs();
  }

  async infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    if (!this.useFallback) {
      try {
        return await withTimeout(this.primary.infer(feeds, outputNames), this.opts.timeoutMs, this.primary.name);
      } catch (e) {
        this.record('infer', e);
        await this.fallback.load();
      }
    }
    return this.fallback.infer(feeds, outputNames);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.primary.close(), this.fallback.close()]);
  }
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
