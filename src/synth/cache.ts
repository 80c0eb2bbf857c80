// Adapter: speaker/emotion embeddings kept on disk between runs, keyed by the style encoder's
// content hash and the reference recording's content hash (the seed's "cache speaker embeddings").
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileExists } from '../core/files.ts';
import { readNpz, writeNpz } from '../tensor/io.ts';
import type { EmbeddingCache } from './pipeline.ts';

export class DiskEmbeddings {
  readonly dir: string;
  constructor(
    private readonly modelKey: string,
    dir = process.env.EMOVOICE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'emovoice', 'embeddings'),
  ) {
    this.dir = dir;
  }

  private path(hash: string): string {
    return join(this.dir, `${this.modelKey}-${hash.slice(0, 32)}.npz`);
  }

  async preload(cache: EmbeddingCache, hash: string): Promise<void> {
    if (cache.get(hash) || !(await fileExists(this.path(hash)))) return;
    try {
      const m = await readNpz(this.path(hash));
      if (m.speaker && m.emotion) cache.set(hash, { speaker: m.speaker, emotion: m.emotion });
    } catch {
      // a damaged cache entry is ignored and rewritten
    }
  }

  async store(cache: EmbeddingCache, hash: string): Promise<void> {
    const e = cache.get(hash);
    if (!e || (await fileExists(this.path(hash)))) return;
    await writeNpz(this.path(hash), { speaker: e.speaker, emotion: e.emotion }).catch(() => undefined);
  }
}
