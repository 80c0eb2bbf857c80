// The `emotivoice` frontend: EmotiVoice's own text frontend (g2p_cn_en) in TypeScript, with ids from
// the model's tokenlist (manifest `frontend.symbols`; id = line index). This file is the adapter: it
// reads the model folder's files named in the manifest's `frontend:` section and splits long text;
// the reproduction itself is g2p.ts and what it imports. Section keys (paths relative to the manifest):
//   lexicon: librispeech-lexicon.txt   EmotiVoice's English lexicon (optional; without it every English
//                                       word comes from CMUdict/rules, and a warning says so)
//   pinyin: <table>                     a pinyin table made by assets/make-pinyin-table.py from the user's
//                                       own pypinyin (optional; default: the bundled one, pypinyin 0.49.0
//                                       + pypinyin-dict 0.7.0)
//   content_max_len: 512                the BERT content encoder's positions: sentence text is split so
//                                       its word pieces, [CLS] and [SEP] included, fit
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError, type Place } from '../../core/errors.ts';
import type { FactoryContext, Frontend, FrontendDef, FrontendOptions, FrontendResult, FrontendSentence } from '../../pipeline/types.ts';
import { g2pCnEn, type G2pDeps, type Word } from './g2p.ts';
import { jiebaCut } from './jieba.ts';
import { parseLexicon, type Lexicon } from './lexicon.ts';
import { parsePinyinTable, type PinyinTable } from './pinyin.ts';
import { sentencePieces, splitToFit } from './split.ts';
import { maxWordPieces } from './wordpiece.ts';

export const BUNDLED_PINYIN = new URL('./assets/pinyin-table.tsv.gz', import.meta.url);

// Tables and lexicons are large (the pinyin table is 130k phrases): parsed once per file per process.
const pinyinCache = new Map<string, PinyinTable>();
const lexiconCache = new Map<string, Lexicon>();

/** The pinyin table at `file` (gzip or plain text), parsed once. */
export function loadPinyinTable(file: string | URL, place: Place = {}): PinyinTable {
  const key = String(file);
  const hit = pinyinCache.get(key);
  if (hit) return hit;
  let table: PinyinTable;
  try {
    const raw = readFileSync(file);
    const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
    table = parsePinyinTable(text);
  } catch (e) {
    throw new UserError(`cannot read the pinyin table ${key}: ${(e as Error).message}`, {
      place,
      hint: 'write it with src/families/emotivoice/assets/make-pinyin-table.py, or leave frontend.pinyin out to use the bundled one',
    });
  }
  pinyinCache.set(key, table);
  return table;
}

export function loadLexicon(file: string, place: Place = {}): Lexicon {
  const hit = lexiconCache.get(file);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`cannot read the English lexicon ${file}`, {
      place,
      hint: "copy lexicon/librispeech-lexicon.txt from your EmotiVoice checkout next to the manifest, or remove frontend.lexicon",
    });
  }
  const lexicon = parseLexicon(text);
  lexiconCache.set(file, lexicon);
  return lexicon;
}

/** EmotiVoice's token → id: the tokenlist's line index, lines stripped, a repeated token keeps its last line. */
export function tokenIds(symbols: string[]): Map<string, number> {
  const ids = new Map<string, number>();
  symbols.forEach((s, i) => ids.set(s.trim(), i));
  return ids;
}

export interface EmotiVoiceFrontendOptions {
  /** the model's tokenlist (index = id) */
  symbols: string[];
  lexicon: Lexicon | null;
  pinyin: PinyinTable;
  /** the content encoder's positions ([CLS] and [SEP] included) */
  contentMaxLen: number;
  cut?: (text: string) => string[];
}

export interface SentenceDetail {
  text: string;
  words: Word[];
}

export class EmotiVoiceFrontend implements Frontend {
  readonly name = 'emotivoice';
  private readonly ids: Map<string, number>;
  private readonly deps: G2pDeps;

  constructor(private readonly opts: EmotiVoiceFrontendOptions) {
    this.ids = tokenIds(opts.symbols);
    this.deps = { cut: opts.cut ?? jiebaCut(), pinyin: opts.pinyin, lexicon: opts.lexicon };
  }

  /** One part of text → tokens and ids; tokens the tokenlist lacks are left out (EmotiVoice raises KeyError). */
  private speak(text: string) {
    const g = g2pCnEn(text, this.deps);
    const tokens = g.tokens.filter((t) => this.ids.has(t));
    const missing = new Set(g.tokens.filter((t) => !this.ids.has(t)));
    if (missing.size) g.warnings.push(`left out, not in this model's tokenlist: ${[...missing].join(' ')}`);
    return { ...g, tokens, ids: Int32Array.from(tokens, (t) => this.ids.get(t)!) };
  }

  sentences(text: string): string[] {
    return sentencePieces(text);
  }

  async toIds(text: string, opts: FrontendOptions): Promise<FrontendResult> {
    const contentLimit = this.opts.contentMaxLen - 2; // [CLS] and [SEP]
    const fits = (t: string) => maxWordPieces(t) <= contentLimit && this.speak(t).ids.length <= opts.limit;
    const whole = this.speak(text);
    const parts = whole.ids.length <= opts.limit && maxWordPieces(text) <= contentLimit
      ? [text]
      : splitToFit(text, fits, `${opts.limit} tokens, ${contentLimit} word pieces`);
    const spoken = parts.length === 1 && parts[0] === text ? [{ text, ...whole }] : parts.map((p) => ({ text: p, ...this.speak(p) }));
    const sentences: FrontendSentence[] = [];
    const warnings: string[] = [];
    const words: SentenceDetail[] = [];
    for (const s of spoken) {
      for (const w of s.warnings) if (!warnings.includes(w)) warnings.push(w);
      words.push({ text: s.text, words: s.words });
      if (s.ids.length > 2) sentences.push({ text: s.text, tokens: s.tokens, ids: s.ids });
    }
    if (!sentences.length) {
      throw new UserError('the text has nothing EmotiVoice can pronounce', { hint: 'give Chinese or English text' });
    }
    if (!this.opts.lexicon && spoken.some((s) => s.words.some((w) => w.lang === 'en' && (w.source === 'cmudict' || w.source === 'rules')))) {
      warnings.unshift("this model has no English lexicon (frontend.lexicon): English words come from CMUdict, and may differ from EmotiVoice's librispeech-lexicon.txt");
    }
    return {
      sentences,
      warnings,
      split: parts.length > 1 ? { phonemes: whole.ids.length, limit: opts.limit, parts: sentences.length } : null,
      normalized: spoken.map((s) => s.normalized).join(' '),
      words,
    };
  }
}

// The manifest's own frontend keys (configs/manifest.schema.json), then this frontend's.
const SECTION_KEYS = new Set(['name', 'symbols', 'output', 'dtype', 'sample_text', 'language', 'lexicon', 'pinyin', 'content_max_len']);

export const emotivoiceFrontend: FrontendDef = {
  name: 'emotivoice',
  description: "EmotiVoice's own frontend (g2p_cn_en): jieba + pypinyin tables for Mandarin, its librispeech lexicon for English, sp/engsp prosody tokens",
  async create(section: Record<string, unknown>, symbols: string[], ctx: FactoryContext): Promise<Frontend> {
    const at = (key: string): Place => ({ ...ctx.place, path: `frontend.${key}` });
    for (const key of Object.keys(section)) {
      if (!SECTION_KEYS.has(key)) {
        throw new UserError(`unknown key "${key}" for the emotivoice frontend`, { place: at(key), hint: `it takes ${[...SECTION_KEYS].join(', ')}` });
      }
    }
    const file = (key: string): string | null => {
      const v = section[key];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string' || !v) throw new UserError(`frontend.${key} must be a file name`, { place: at(key) });
      return isAbsolute(v) ? v : resolve(ctx.dir, v);
    };
    const lexiconFile = file('lexicon');
    const pinyinFile = file('pinyin');
    const contentMaxLen = section.content_max_len ?? 512;
    if (!Number.isInteger(contentMaxLen) || (contentMaxLen as number) < 3) {
      throw new UserError(`frontend.content_max_len must be an integer of at least 3, not ${JSON.stringify(contentMaxLen)}`, {
        place: at('content_max_len'),
        hint: "the BERT content encoder's positions (512 for simbert)",
      });
    }
    return new EmotiVoiceFrontend({
      symbols,
      lexicon: lexiconFile ? loadLexicon(lexiconFile, at('lexicon')) : null,
      pinyin: loadPinyinTable(pinyinFile ?? BUNDLED_PINYIN, pinyinFile ? at('pinyin') : {}),
      contentMaxLen: contentMaxLen as number,
    });
  },
};
