// Mandarin → pinyin syllables → the symbol inventory's initials and tonal finals
// (reference/emovoice_ref/symbols.py). pinyin-pro reads characters in context (polyphones) and
// already applies 一/不 sandhi; we add third-tone sandhi (3-3 → 2-3, left to right within a run)
// and map neutral tone 0 → 5. Zero-initial syllables become full finals (yi → i, wu → u, yu → v …),
// ü after j/q/x is v, zi/ci/si take "ii" and zhi/chi/shi/ri take "iii". Pure.
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
export function mandarinSyllables(run: string): Syllable[] {
  const raw = pinyin(run, { toneType: 'num', type: 'array' }) as string[];
  const syl = raw.map(splitSyllable);
  for (let i = 0; i + 1 < syl.length; i++) {
    if (syl[i]!.tone === 3 && syl[i + 1]!.tone === 3) syl[i]!.tone = 2;
  }
  return syl;
}

export function syllableSymbols(s: Syllable): string[] {
  return s.initial ? [s.initial, `${s.final}${s.tone}`] : [`${s.final}${s.tone}`];
}
