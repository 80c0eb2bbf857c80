// Adapter: cached stage outputs (a voice's embeddings, a prompt's style vector) kept on disk between
// runs — the seed's "cache speaker embeddings" across processes. Entries are keyed by the model's
// cacheable module files (their content hash) and the stage key (stage id + conditioning keys); a
// damaged entry is ignored and rewritten.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileExists } from '../core/files.ts';
import type { CacheStore } from '../pipeline/cache.ts';
import type { ValueMap } from '../pipeline/types.ts';
import { readNpz, writeNpz } from '../tensor/io.ts';
import type { TensorMap } from '../tensor/tensor.ts';

export function defaultCacheDir(): string {
  return process.env.EMOVOICE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'emovoice', 'embeddings');
}

export class DiskStore implements CacheStore {
  constructor(
    /** Identifies the model's weights (e.g. a hash of its cacheable module files). */
    private readonly modelKey: string,
    readonly dir = defaultCacheDir(),
  ) {}

  private path(key: string): string {
    return join(this.dir, `${this.modelKey}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}.npz`);
  }

  async load(key: string): Promise<ValueMap | undefined> {
    if (!(await fileExists(this.path(key)))) return undefined;
    try {
      return await readNpz(this.path(key));
    } catch {
      return undefined; // a damaged entry is ignored and rewritten
    }
  }

  async save(key: string, value: ValueMap): Promise<void> {
    if (await fileExists(this.path(key))) return;
    const tensors = Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v !== 'string')) as TensorMap;
    await writeNpz(this.path(key), tensors).catch(() => undefined);
  }
}
