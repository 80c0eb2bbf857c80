// Several runners of one module that take calls at the same time: each call goes to a runner that is
// free, or waits for the first to free up. Why: on a few cores, a long vocoder input cut into chunks
// (src/pipeline/chunked.ts, serving.chunk_lanes) runs faster as one chunk per core, each session with
// one intra-op thread, than whole on one session whose intra-op pool meets at a barrier after every
// node (docs/performance-cpu.md §8). The runners must be interchangeable (the same model file and
// options); the pool never changes a call's inputs or outputs. It spawns nothing itself.
import type { IoInfo, Runner } from './runner.ts';
import type { TensorMap } from '../tensor/tensor.ts';

export class RunnerPool implements Runner {
  readonly name: string;
  readonly lanes: number;
  private readonly idle: Runner[];
  private readonly waiting: ((r: Runner) => void)[] = [];

  constructor(private readonly runners: readonly Runner[]) {
    if (!runners.length) throw new Error('RunnerPool needs at least one runner');
    this.lanes = runners.length;
    this.idle = [...runners];
    this.name = `pool(${runners.length}):${runners[0]!.name}`;
  }

  get callOverheadMs(): number | undefined {
    return this.runners[0]!.callOverheadMs;
  }

  async load(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.load()));
  }

  inputs(): IoInfo[] {
    return this.runners[0]!.inputs();
  }

  outputs(): IoInfo[] {
    return this.runners[0]!.outputs();
  }

  async infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    const r = this.idle.pop() ?? (await new Promise<Runner>((resolve) => this.waiting.push(resolve)));
    try {
      return await r.infer(feeds, outputNames);
    } finally {
      const next = this.waiting.shift();
      if (next) next(r);
      else this.idle.push(r);
    }
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.runners.map((r) => r.close()));
    const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
