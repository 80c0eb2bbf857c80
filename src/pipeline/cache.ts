// The stage cache: outputs of stages that depend on conditioning only (a voice's embeddings, a
// speaker's row, a prompt's style vector), keyed by the stage and the conditioning keys it depends
// on — the deployment advice's "cache speaker embeddings", for every family. In memory, bounded
// (least recently used out first), with an optional store behind it (synth keeps one on disk).
import { createHash } from 'node:crypto';
import type { ValueMap } from './types.ts';

export interface CacheStore {
  load(key: string): Promise<ValueMap | undefined>;
  save(key: string, value: ValueMap): Promise<void>;
}

export class StageCache {
  private readonly map = new Map<string, ValueMap>();
  constructor(private readonly capacity = 256) {}

  get(key: string): ValueMap | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: ValueMap): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

export function hashSamples(samples: Float32Array, sampleRate: number): string {
  return createHash('sha256').update(String(sampleRate)).update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)).digest('hex');
}

/** The cache key of a stage's outputs: its id and the keys of the conditioning it depends on. */
export function stageKey(stageId: string, deps: Iterable<string>, keys: Record<string, string>): string {
  const parts = [...deps].sort().map((d) => `${d}=${keys[d.replace(/^conditioning:/, '')]}`);
  return `${stageId}|${parts.join('|')}`;
}
