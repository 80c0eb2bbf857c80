// The goldens EmotiVoice's own frontend wrote (fixtures/README.md), and the part of its tokenlist they
// show: EmotiVoice's tokenlist is not ours to commit, but every (token, id) pair the goldens use is in them.
import { readFileSync } from 'node:fs';

export interface Golden {
  about: Record<string, unknown>;
  sentences: { text: string; tokens: string[]; ids: number[] }[];
  excluded: { text: string; reason: string }[];
  numbers?: { text: string; chinese: string }[];
}

export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const golden = (name: string): Golden => JSON.parse(readFileSync(fixture(`golden-${name}.json`), 'utf8'));
export const GOLDENS = { none: golden('none'), own: golden('own'), librispeech: golden('librispeech') };

/** EmotiVoice's tokenlist as far as the goldens show it (index = id; unseen ids hold a placeholder). */
export const SYMBOLS: string[] = (() => {
  const byId: string[] = [];
  for (const g of Object.values(GOLDENS)) {
    for (const s of g.sentences) s.ids.forEach((id, i) => (byId[id] ??= s.tokens[i]!));
  }
  return Array.from(byId, (t, i) => t ?? `<unseen ${i}>`);
})();
