// Engine batches for many sentences at once, with the executor unchanged: each sentence runs its own
// Pipeline.run, and every module call goes through a batching wrapper that holds it until every
// sentence still running is waiting on a module; then the waiting calls are answered in batches of up
// to the module's batch maximum, in sentence order (so a batch's make-up, and its audio, depends only
// on the group of sentences: a resumed run repeats it exactly).
//
// Padding: calls of the same shape are stacked as they are. Calls whose lengths differ are padded with
// zeros to the longest only when the module keeps the shorter item's outputs within the tolerance with
// padding: a module with masks does; one without (a text encoder whose attention sees the padding, a
// flow whose convolutions do) does not. The first time a module would be padded, the shortest item is
// also run alone and compared (rel L2 against `tolerance`); the decision is kept (and handed to
// `onDecision`, so a resumed run reuses it). A module that fails it only batches equal shapes.
// Knows no family: shapes, symbolic dims and tolerances come from the manifest and the profile.
import { AsyncLocalStorage } from 'node:async_hooks';
import { relL2 } from '../compare/metrics.ts';
import type { IoInfo, Runner } from '../runtime/runner.ts';
import { padStack, sliceItem } from '../tensor/batch.ts';
import { numel, type Tensor, type TensorMap } from '../tensor/tensor.ts';

export interface PaddingDecision {
  /** Whether padding keeps this module's outputs within tolerance. */
  ok: boolean;
  /** The worst rel L2 seen on the probe (the shortest item alone vs padded). */
  relL2: number;
}

export interface BatchingOptions {
  /** Module → the most items in one call. */
  maxBatch: Record<string, number>;
  /** Rel L2 an output may differ by when its item is padded (the profile's tolerance). */
  tolerance: number;
  /** Decisions already made (a resumed run's); filled in as modules are probed. */
  padding?: Record<string, PaddingDecision>;
}

/** A module's inputs and outputs as the manifest declares them (symbolic dims by name). */
export interface ModuleIo {
  inputs: IoInfo[];
  outputs: IoInfo[];
}

interface Call {
  item: number;
  feeds: TensorMap;
  names?: string[];
  resolve: (t: TensorMap) => void;
  reject: (e: unknown) => void;
}

/** Per module: the batch sizes its calls were answered in (for reports and tests). */
export type BatchLog = Record<string, number[]>;

export class BatchCoordinator {
  private readonly als = new AsyncLocalStorage<number>();
  private readonly pending = new Map<string, Call[]>();
  private active = 0;
  private flushing = false;
  readonly padding: Record<string, PaddingDecision>;
  readonly log: BatchLog = {};
  /** Called with each new decision before any batch uses it (a resumed run must repeat it). */
  onDecision?: (module: string, d: PaddingDecision) => Promise<void> | void;

  constructor(private readonly opts: BatchingOptions) {
    this.padding = opts.padding ?? {};
  }

  /** The runner the executor gets for `module`: outside `runAll` it calls straight through. */
  wrap(module: string, inner: Runner, spec: ModuleIo): Runner {
    const self = this;
    this.specs.set(module, spec);
    return {
      name: inner.name,
      callOverheadMs: inner.callOverheadMs,
      load: () => inner.load(),
      inputs: () => inner.inputs(),
      outputs: () => inner.outputs(),
      close: () => inner.close(),
      infer(feeds: TensorMap, names?: string[]): Promise<TensorMap> {
        const item = self.als.getStore();
        if (item === undefined) return inner.infer(feeds, names);
        return new Promise((resolve, reject) => {
          const list = self.pending.get(module) ?? [];
          list.push({ item, feeds, names, resolve, reject });
          self.pending.set(module, list);
          self.maybeFlush(inner, module);
        });
      },
    };
  }

  private readonly inners = new Map<string, Runner>();
  private readonly specs = new Map<string, ModuleIo>();

  /** Run every task (one sentence each) with its module calls batched; settles like Promise.allSettled. */
  async runAll<T>(tasks: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    if (this.active) throw new Error('BatchCoordinator.runAll is already running');
    this.active = tasks.length;
    return Promise.allSettled(
      tasks.map((task, i) =>
        this.als.run(i, task).finally(() => {
          this.active--;
          this.maybeFlush();
        }),
      ),
    );
  }

  private maybeFlush(inner?: Runner, module?: string): void {
    if (inner && module) this.inners.set(module, inner);
    const waiting = [...this.pending.values()].reduce((n, l) => n + l.length, 0);
    if (this.flushing || waiting === 0 || waiting < this.active) return;
    this.flushing = true;
    const work = [...this.pending.entries()];
    this.pending.clear();
    void (async () => {
      for (const [m, calls] of work) {
        calls.sort((a, b) => a.item - b.item);
        try {
          await this.answer(m, this.inners.get(m)!, calls);
        } catch (e) {
          for (const c of calls) c.reject(e);
        }
      }
      this.flushing = false;
      // every call answered: the sentences go on, and call again (or finish) before the next flush
      this.maybeFlush();
    })();
  }

  private async answer(module: string, inner: Runner, calls: Call[]): Promise<void> {
    const max = Math.max(1, this.opts.maxBatch[module] ?? 1);
    const key = (c: Call) => JSON.stringify([c.names ?? null, Object.entries(c.feeds).map(([k, t]) => [k, t.dtype, t.shape])]);
    const { inputs: io, outputs: outIo } = this.specs.get(module)!;
    const padSafe = (cs: Call[]) => cs.length > 1 && paddable(cs, io, outIo);
    const sameShape = new Set(calls.map(key)).size === 1;
    let decision = this.padding[module];
    if (!sameShape && max > 1 && decision === undefined && padSafe(calls)) {
      decision = await this.probe(inner, calls.slice(0, max), io, outIo);
      this.padding[module] = decision;
      await this.onDecision?.(module, decision);
    }
    let batches: Call[][];
    if (sameShape || !decision?.ok || !padSafe(calls)) {
      // equal shapes only, each kind in order of its first sentence
      const byKey = new Map<string, Call[]>();
      for (const c of calls) byKey.set(key(c), [...(byKey.get(key(c)) ?? []), c]);
      batches = [...byKey.values()].flatMap((cs) => chunk(cs, max));
    } else {
      batches = chunk(calls, max);
    }
    for (const b of batches) {
      const outs = await this.inferBatch(inner, b, io, outIo);
      (this.log[module] ??= []).push(b.length);
      b.forEach((c, i) => c.resolve(outs[i]!));
    }
  }

  /** Run `calls` as one batch (padded where their shapes differ) and cut each item's outputs back out. */
  private async inferBatch(inner: Runner, calls: Call[], io: IoInfo[], outIo: IoInfo[]): Promise<TensorMap[]> {
    if (calls.length === 1) return [await inner.infer(calls[0]!.feeds, calls[0]!.names)];
    const feeds: TensorMap = {};
    for (const name of Object.keys(calls[0]!.feeds)) feeds[name] = padStack(calls.map((c) => c.feeds[name]!));
    const out = await inner.infer(feeds, calls[0]!.names);
    return calls.map((c, b) => {
      const sizes = symbolSizes(c.feeds, io);
      const padded = symbolSizes(feeds, io);
      const item: TensorMap = {};
      for (const [name, t] of Object.entries(out)) item[name] = sliceItem(t, b, itemShape(t, outIo.find((o) => o.name === name), sizes, padded));
      return item;
    });
  }

  /** Padding's effect on this module: the shortest call alone vs in a padded batch with the others. */
  private async probe(inner: Runner, calls: Call[], io: IoInfo[], outIo: IoInfo[]): Promise<PaddingDecision> {
    const size = (c: Call) => Object.values(c.feeds).reduce((n, t) => n + numel(t.shape), 0);
    const shortest = calls.reduce((a, c) => (size(c) < size(a) ? c : a));
    const alone = await inner.infer(shortest.feeds, shortest.names);
    const padded = (await this.inferBatch(inner, calls, io, outIo))[calls.indexOf(shortest)]!;
    let worst = 0;
    for (const [name, ref] of Object.entries(alone)) {
      const got = padded[name];
      if (!got || got.shape.join() !== ref.shape.join()) return { ok: false, relL2: Infinity };
      const d = ref.dtype === 'float32' ? relL2(got.data as Float32Array, ref.data as Float32Array) : equalData(got, ref) ? 0 : Infinity;
      worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    }
    return { ok: worst <= this.opts.tolerance, relL2: worst };
  }
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function equalData(a: Tensor, b: Tensor): boolean {
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** The size each symbolic dim of the module's inputs has in these feeds. */
function symbolSizes(feeds: TensorMap, io: IoInfo[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const spec of io) {
    const t = feeds[spec.name];
    if (!t) continue;
    spec.dims.forEach((d, a) => {
      if (a > 0 && typeof d === 'string') out.set(d, t.shape[a]!);
    });
  }
  return out;
}

/**
 * Whether these calls can share a padded batch: every input is [1, …] with the batch axis first, the
 * only axes that differ are symbolic ones, and every output axis's item size follows (a symbol of the
 * inputs, a static size, or a size proportional to the one symbol that varies: samples = frames × hop).
 */
function paddable(calls: Call[], io: IoInfo[], outIo: IoInfo[]): boolean {
  const varying = new Set<string>();
  for (const spec of io) {
    const shapes = calls.map((c) => c.feeds[spec.name]?.shape);
    if (shapes.some((s) => !s)) return false;
    const rank = shapes[0]!.length;
    if (spec.dims.length !== rank || shapes.some((s) => s!.length !== rank || s![0] !== 1)) return false;
    for (let a = 1; a < rank; a++) {
      if (shapes.every((s) => s![a] === shapes[0]![a])) continue;
      const d = spec.dims[a];
      if (typeof d !== 'string') return false;
      varying.add(d);
    }
  }
  const inputSymbols = new Set(io.flatMap((s) => s.dims.filter((d): d is string => typeof d === 'string')));
  for (const o of outIo) {
    for (const d of o.dims.slice(1)) if (typeof d === 'string' && !inputSymbols.has(d) && varying.size !== 1) return false;
  }
  return true;
}

/** One item's output shape: its own size on each input symbol, scaled for a derived axis. */
function itemShape(t: Tensor, spec: IoInfo | undefined, sizes: Map<string, number>, padded: Map<string, number>): number[] {
  const inner = t.shape.slice(1);
  if (!spec) return inner;
  return inner.map((n, a) => {
    const d = spec.dims[a + 1];
    if (typeof d !== 'string') return n;
    const own = sizes.get(d);
    if (own !== undefined) return own;
    // a derived axis (samples): in proportion to the one input symbol that was padded
    for (const [sym, p] of padded) {
      const s = sizes.get(sym)!;
      if (s === p) continue;
      const scaled = (n * s) / p;
      if (!Number.isInteger(scaled)) throw new Error(`output axis ${d} (${n}) is not proportional to ${sym} (${p})`);
      return scaled;
    }
    return n;
  });
}
