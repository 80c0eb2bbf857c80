// Chinese word → TONE3 pinyin, the way pypinyin's `pinyin(word, style=TONE3, neutral_tone_with_five=True)`
// answers EmotiVoice (frontend_cn.py calls it on each jieba word). The dictionaries are data (the pinyin
// table, assets/make-pinyin-table.py); what is reproduced here is pypinyin's algorithm, read from its
// source (pypinyin 0.49.0 seg/mmseg.py, converter.py):
//   1. The word is cut by forward maximum matching over the phrase keys ("no non-phrases" mode): grow
//      a prefix while it is a prefix of some phrase; when it stops, emit the longest grown match if it
//      is a phrase, else emit the first character alone and start again at the next one. When the
//      whole remainder is a prefix chain, it is one piece if it is a phrase, else every character alone
//      (so 银行行长 reads 行 as xing2: 银行行长 is a prefix of a longer phrase, not a phrase itself).
//   2. A phrase piece takes the phrase's readings; any other character its first reading.
// No tone sandhi: EmotiVoice never asks pypinyin for it (its 0.49 `pinyin()` has no such option); the
// only "sandhi" in its output is what phrase entries spell (一个 yi2 ge4). Pure.

export interface PinyinTable {
  /** character → its first reading (TONE3, neutral tone 5) */
  chars: Map<string, string>;
  /** phrase → readings, one per character (null: each character's own first reading) */
  phrases: Map<string, string[] | null>;
  /** every prefix of every phrase key, phrases included (pypinyin's PrefixSet) */
  prefixes: Set<string>;
  /** the table's `#` header lines (versions), for `phonemize` and warnings */
  about: string[];
}

/** Parses the pinyin table text (see assets/make-pinyin-table.py for the format). Throws on a malformed line. */
export function parsePinyinTable(text: string): PinyinTable {
  const chars = new Map<string, string>();
  const phrases = new Map<string, string[] | null>();
  const prefixes = new Set<string>();
  const about: string[] = [];
  let section = '';
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (!line) continue;
    if (line[0] === '#') {
      about.push(line.slice(1).trim());
      continue;
    }
    if (line[0] === '@') {
      section = line;
      continue;
    }
    const tab = line.indexOf('\t');
    if (tab < 1) throw new Error(`line ${lineNo}: expected "word<TAB>readings"`);
    const word = line.slice(0, tab);
    const readings = line.slice(tab + 1);
    if (section === '@chars') chars.set(word, readings);
    else if (section === '@phrases') {
      const list = readings ? readings.split(' ') : null;
      let n = 0;
      for (let i = 0; i < word.length; i++) {
        if (isHighSurrogate(word.charCodeAt(i))) continue; // a prefix ends on a whole code point
        prefixes.add(word.slice(0, i + 1));
        n++;
      }
      if (list && list.length !== n) throw new Error(`line ${lineNo}: ${list.length} readings for ${n} characters`);
      phrases.set(word, list);
    } else throw new Error(`line ${lineNo}: outside an @chars or @phrases section`);
  }
  if (!chars.size || !phrases.size) throw new Error('no @chars or no @phrases section');
  return { chars, phrases, prefixes, about };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** pypinyin's forward maximum matching (mmseg.Seg.cut with no_non_phrases=True), over code points. */
export function cutPhrases(table: PinyinTable, word: string): string[] {
  const out: string[] = [];
  let rest = [...word];
  while (rest.length) {
    let matched = '';
    let grown = '';
    let stopped = false;
    for (let i = 0; i < rest.length; i++) {
      grown += rest[i];
      if (table.prefixes.has(grown)) {
        matched = grown;
        continue;
      }
      if (matched && table.phrases.has(matched)) {
        out.push(matched);
        rest = rest.slice([...matched].length);
      } else {
        out.push(rest[0]!);
        rest = rest.slice(1);
      }
      stopped = true;
      break;
    }
    if (!stopped) {
      const whole = rest.join('');
      if (table.phrases.has(whole)) out.push(whole);
      else out.push(...rest);
      break;
    }
  }
  return out;
}

export interface Reading {
  /** the piece of the word this reading came from (a phrase, or one character) */
  piece: string;
  char: string;
  /** TONE3 pinyin; null when pypinyin has no reading for the character */
  pinyin: string | null;
  from: 'phrase' | 'char';
}

/** Each character's reading in a word of CJK characters. */
export function wordReadings(table: PinyinTable, word: string): Reading[] {
  const out: Reading[] = [];
  for (const piece of cutPhrases(table, word)) {
    const phrase = table.phrases.get(piece);
    const chars = [...piece];
    chars.forEach((char, i) => {
      if (phrase) out.push({ piece, char, pinyin: phrase[i]!, from: 'phrase' });
      else out.push({ piece, char, pinyin: table.chars.get(char) ?? null, from: phrase === null ? 'phrase' : 'char' });
    });
  }
  return out;
}
