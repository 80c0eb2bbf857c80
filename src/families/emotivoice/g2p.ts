// Text → EmotiVoice's token sequence (frontend.py g2p_cn_en), reproduced from reading it:
//   1. digits anywhere become Chinese numerals (numbers.ts);
//   2. the text is cut into parts: a run starting at a Chinese character (U+4E00–U+9FA5) takes the
//      Chinese characters, full-width marks and spaces after it; any other run takes everything up to
//      the next Chinese character, so a full-width comma after English goes with the English part;
//   3. Chinese parts → mandarin.ts, the others → english.ts;
//   4. eng_cn_sp goes between an English part and the Chinese part after it; cn_eng_sp only where the
//      token before English is not a pause, which after a Chinese part (ending sp1/sp3) it always is,
//      so EmotiVoice's output never has it; a trailing pause is dropped; <sos/eos> at both ends.
// Returns tokens (EmotiVoice's names; ids are the caller's), per-word detail and what was not spoken.
// Pure: jieba's cut, the pinyin table and the lexicon come in.
import { englishPart, type EnglishWord } from './english.ts';
import type { Lexicon } from './lexicon.ts';
import { chinesePart, type ChineseWord } from './mandarin.ts';
import { digitsToChineseText } from './numbers.ts';
import type { PinyinTable } from './pinyin.ts';

export interface G2pDeps {
  cut: (text: string) => string[];
  pinyin: PinyinTable;
  /** null: no lexicon in the model folder; every English word goes to the fallback */
  lexicon: Lexicon | null;
}

export type Word = ({ lang: 'zh' } & ChineseWord) | ({ lang: 'en' } & EnglishWord);

export interface G2pResult {
  tokens: string[];
  /** the text after digits were read out */
  normalized: string;
  words: Word[];
  warnings: string[];
}

const PART = /[^\u4e00-\u9fa5]+|[ \u3002\uff0c\uff1f\uff01\uff1b\uff1a\u201c\u201d\u2018\u2019\u300a\u300b\u3008\u3009\u3010\u3011\u300e\u300f\u2014\u2026\u3001\uff08\uff09\u4e00-\u9fa5]+/gu;
const HAS_CHINESE = /[\u4e00-\u9fa5]/u;
// Characters whose silent loss a user should hear about: letters, digits, symbols ($ € ♥ …) and the
// marks that stand for words (50% loses its "percent").
const WORTH_WARNING = /[\p{L}\p{N}\p{S}%‰#&@*§]/u;

const isPause = (t: string | undefined) => t !== undefined && t.includes('sp');

export function g2pCnEn(text: string, deps: G2pDeps): G2pResult {
  const warnings: string[] = [];
  const normalized = digitsToChineseText(text, warnings);
  const tokens = ['<sos/eos>'];
  const words: Word[] = [];
  let last: '' | 'cn' | 'en' = '';
  for (const [part] of normalized.matchAll(PART)) {
    if (part === ' ') continue;
    if (HAS_CHINESE.test(part)) {
      if (last === 'en') tokens.push('eng_cn_sp');
      const zh = chinesePart(part, deps.cut, deps.pinyin);
      tokens.push(...zh.tokens);
      words.push(...zh.words.map((w) => ({ lang: 'zh' as const, ...w })));
      last = 'cn';
      continue;
    }
    if (last === 'cn' && !isPause(tokens[tokens.length - 1])) tokens.push('cn_eng_sp');
    const en = englishPart(part, deps.lexicon);
    words.push(...en.words.map((w) => ({ lang: 'en' as const, ...w })));
    if (!en.tokens.length) continue;
    tokens.push(...en.tokens);
    last = 'en';
  }
  if (isPause(tokens[tokens.length - 1])) tokens.pop();
  tokens.push('<sos/eos>');
  warnings.push(...wordWarnings(words, deps.lexicon !== null));
  return { tokens, normalized, words, warnings };
}

function wordWarnings(words: Word[], haveLexicon: boolean): string[] {
  const out: string[] = [];
  const unread = new Set<string>();
  const byRules: string[] = [];
  const byCmudict: string[] = [];
  for (const w of words) {
    if (w.lang === 'zh') w.unread.forEach((c) => unread.add(c));
    else if (w.source === 'none' && WORTH_WARNING.test(w.text)) unread.add(w.text);
    else if (w.source === 'rules') byRules.push(w.text);
    else if (w.source === 'cmudict') byCmudict.push(w.text);
  }
  if (unread.size) out.push(`not spoken (EmotiVoice's frontend has no reading for them): ${[...unread].join(' ')}`);
  if (byCmudict.length && haveLexicon) {
    out.push(`not in the lexicon, pronounced from CMUdict (EmotiVoice asks g2p_en, which may differ): ${byCmudict.join(' ')}`);
  }
  if (byRules.length) {
    out.push(`not in ${haveLexicon ? 'the lexicon or ' : ''}CMUdict, pronounced by letter-to-sound rules (approximate; EmotiVoice's g2p_en would guess with its neural model): ${byRules.join(' ')}`);
  }
  return out;
}
