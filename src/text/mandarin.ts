// Mandarin → pinyin syllables → the symbol inventory's initials and tonal finals
// (reference/emovoice_ref/symbols.py). Pure.
//
// - Readings: pinyin-pro on the whole run at once, so polyphones are read in context (行 in 银行/行走).
// - 一/不 sandhi: pinyin-pro's (toneSandhi on): 一/不 before a 4th tone → 2nd (一个 yi2, 不是 bu2);
//   一 before 1st/2nd/3rd → 4th (一天 yi4); 一 as a number at the end or as an ordinal stays 1st (第一);
//   一 between a reduplicated verb → neutral (看一看 yi5).
// - Third-tone sandhi (ours): 3-3 → 2-3, applied left to right over consecutive syllables of a run
//   (我很好 → wo2 hen2 hao3). This ignores prosodic-word structure (an approximation: 展览馆 comes out
//   right, but a few phrase-level readings differ from a careful speaker's).
// - Neutral tone: pinyin-pro's 0 → 5.
// - Erhua (ours): the inventory has no r-coloured finals, so 儿 right after another syllable is kept as
//   its own syllable read with neutral tone, "er5" (哪儿 → na3 er5), not merged. 儿 stays a full
//   er2 at the start of a run, after characters where it is a noun suffix of its own (女儿, 婴儿,
//   孤儿, 幼儿, 男儿, 健儿, 胎儿, 少儿, 患儿) and before characters it forms a word with (儿子, 儿童 …).
// - Inventory conventions: zero-initial syllables become full finals (yi → i, wu → u, yu → v, ye → ie,
//   you → iu, wei → ui, wen → un, yue → ve, yuan → van, yun → vn …), ü after j/q/x is v, zi/ci/si
//   take "ii" and zhi/chi/shi/ri take "iii". Syllabic nasals and 哟/欸 have no inventory entry and are
//   approximated (NASALS below; yo → iu).
import { pinyin } from 'pinyin-pro';

const INITIALS = ['zh', 'ch', 'sh', 'b', 'p', 'm', 'f', 'd', 't', 'n', 'l', 'g', 'k', 'h', 'j', 'q', 'x', 'r', 'z', 'c', 's'];

const ZERO_INITIAL: Record<string, string> = {
  yi: 'i', ya: 'ia', ye: 'ie', yao: 'iao', you: 'iu', yan: 'ian', yin: 'in', yang: 'iang', ying: 'ing', yong: 'iong', yo: 'iu',
  // yo (哟) has no "io" final in the inventory: approximated by iu.
  wu: 'u', wa: 'ua', wo: 'uo', wai: 'uai', wei: 'ui', wan: 'uan', wen: 'un', wang: 'uang', weng: 'ueng',
  yu: 'v', yue: 've', yuan: 'van', yun: 'vn',
};

// Syllabic nasals and interjections outside the inventory, approximated (documented, deterministic).
const NASALS: Record<string, [string | null, string]> = {
  n: [null, 'en'], ng: [null, 'eng'], m: ['m', 'u'], hm: ['h', 'en'], hng: ['h', 'eng'], ê: [null, 'ei'],
};

export interface Syllable {
  initial: string | null;
  final: string;
  tone: number; // 1-5
}

/** "zhong1" / "lv4" / "yi2" / "er5" → initial + final + tone in the inventory's conventions. */
export function splitSyllable(py: string): Syllable {
  const m = /^([a-zê]+)([0-5])?$/.exec(py.toLowerCase().replace(/ü|u:/g, 'v'));
  if (!m) return { initial: null, final: py, tone: 5 };
  let body = m[1]!;
  const tone = m[2] === undefined || m[2] === '0' ? 5 : Number(m[2]);
  const nasal = NASALS[body];
  if (nasal) return { initial: nasal[0], final: nasal[1], tone };
  if (ZERO_INITIAL[body]) return { initial: null, final: ZERO_INITIAL[body]!, tone };
  if (/^[aoe]/.test(body)) return { initial: null, final: body, tone };
  const initial = INITIALS.find((i) => body.startsWith(i)) ?? null;
  if (!initial) return { initial: null, final: body, tone };
  body = body.slice(initial.length);
  if (['j', 'q', 'x'].includes(initial) && body.startsWith('u')) body = 'v' + body.slice(1);
  if (body === 'i' && ['z', 'c', 's'].includes(initial)) body = 'ii';
  if (body === 'i' && ['zh', 'ch', 'sh', 'r'].includes(initial)) body = 'iii';
  return { initial, final: body, tone };
}

/** A run of Chinese characters → syllables with third-tone sandhi applied. */
const ERHUA_NOT_AFTER = '女婴孤幼男健胎少患';
const ERHUA_NOT_BEFORE = '子童女科歌孙时媳戏';

export function mandarinSyllables(run: string): Syllable[] {
  const raw = pinyin(run, { toneType: 'num', type: 'array' }) as string[];
  const syl = raw.map(splitSyllable);
  const chars = [...run];
  if (chars.length === syl.length) {
    for (let i = 1; i < chars.length; i++) {
      if (chars[i] !== '儿' || syl[i]!.final !== 'er' || syl[i]!.initial) continue;
      if (ERHUA_NOT_AFTER.includes(chars[i - 1]!) || (i + 1 < chars.length && ERHUA_NOT_BEFORE.includes(chars[i + 1]!))) continue;
      syl[i]!.tone = 5;
    }
  }
  for (let i = 0; i + 1 < syl.length; i++) {
    if (syl[i]!.tone === 3 && syl[i + 1]!.tone === 3) syl[i]!.tone = 2;
  }
  return syl;
}

export function syllableSymbols(s: Syllable): string[] {
  return s.initial ? [s.initial, `${s.final}${s.tone}`] : [`${s.final}${s.tone}`];
}
