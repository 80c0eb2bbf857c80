// The phoneme symbol table, built exactly like reference/emovoice_ref/symbols.py's symbol_table()
// (same order; the index is the phoneme id). Tests use this so they do not depend on a model.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

const SPECIALS = ['<pad>', '<unk>', '<sil>', '<sp>'];
const ARPABET_VOWELS = ['AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'EH', 'ER', 'EY', 'IH', 'IY', 'OW', 'OY', 'UH', 'UW'];
const ARPABET_CONSONANTS = [
  'B', 'CH', 'D', 'DH', 'F', 'G', 'HH', 'JH', 'K', 'L', 'M', 'N', 'NG', 'P', 'R',
  'S', 'SH', 'T', 'TH', 'V', 'W', 'Y', 'Z', 'ZH',
];
const PINYIN_INITIALS = ['b', 'p', 'm', 'f', 'd', 't', 'n', 'l', 'g', 'k', 'h', 'j', 'q', 'x', 'zh', 'ch', 'sh', 'r', 'z', 'c', 's'];
const PINYIN_FINALS = [
  'a', 'o', 'e', 'ai', 'ei', 'ao', 'ou', 'an', 'en', 'ang', 'eng', 'ong', 'er',
  'i', 'ia', 'ie', 'iao', 'iu', 'ian', 'in', 'iang', 'ing', 'iong',
  'u', 'ua', 'uo', 'uai', 'ui', 'uan', 'un', 'uang', 'ueng',
  'v', 've', 'van', 'vn',
  'ii', 'iii',
];
const TONES = ['1', '2', '3', '4', '5'];

export function symbolTable(): string[] {
  const table = [...SPECIALS];
  for (const v of ARPABET_VOWELS) table.push(...['0', '1', '2'].map((s) => v + s));
  table.push(...ARPABET_CONSONANTS, ...PINYIN_INITIALS);
  for (const f of PINYIN_FINALS) table.push(...TONES.map((t) => f + t));
  return table;
}

export const SYMBOLS = symbolTable();

export const ROOT = resolve(import.meta.dirname, '../..');
export const MANIFEST = resolve(ROOT, 'models/tiny/manifest.yaml');

/** The tiny model's symbol table (models/tiny/symbols.txt, one per line, named by the manifest's frontend). */
export function manifestSymbols(): string[] {
  const frontend = (parse(readFileSync(MANIFEST, 'utf8')) as { frontend: { symbols: string } }).frontend;
  return readFileSync(resolve(ROOT, 'models/tiny', frontend.symbols), 'utf8').split('\n').filter((l) => l.length > 0);
}
