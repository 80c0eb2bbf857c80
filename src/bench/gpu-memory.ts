// Adapter: the GPU memory a benchmark's own side takes, sampled from nvidia-smi while it runs (device
// memory in use, minus what was in use before it started). ONNX Runtime reports no allocator peak to
// JavaScript, so the card's own count is the measure; a baseline process that runs afterwards is not in it.
// Never throws: no nvidia-smi (or no GPU) gives null.
import { execa, type ResultPromise } from 'execa';

/** Memory in use per GPU from `nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits` lines. Pure. */
export function parseMemoryUsed(text: string): number[] {
  return text
    .split(/\r?\n/)
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isFinite(n) && n >= 0 && /\d/.test(String(n)));
}

export interface GpuMemorySampler {
  /** Stops sampling; the peak MiB in use above the level before start (device 0), or null without samples. */
  stop(): Promise<number | null>;
}

export async function sampleGpuMemory(intervalMs = 100): Promise<GpuMemorySampler> {
  const exe = process.env.NVIDIA_SMI ?? 'nvidia-smi';
  const query = ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '--id=0'];
  const before = await execa(exe, query, { reject: false, timeout: 15_000 }).catch(() => null);
  const idle = before && before.exitCode === 0 ? parseMemoryUsed(String(before.stdout))[0] : undefined;
  if (idle === undefined) return { stop: async () => null };
  let peak = idle;
  let proc: ResultPromise | null = execa(exe, [...query, `--loop-ms=${intervalMs}`], { reject: false, buffer: false });
  proc.stdout?.on('data', (chunk: Buffer) => {
    for (const v of parseMemoryUsed(chunk.toString())) peak = Math.max(peak, v);
  });
  return {
    async stop() {
      if (proc) {
        proc.kill();
        await proc.catch(() => undefined);
        proc = null;
      }
      return peak - idle;
    },
  };
}
