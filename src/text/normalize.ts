// Text normalisation before phonemisation: NFKC (full-width → half-width), Latin diacritics stripped,
// numbers, times, money and common symbols read out in words of the language around them, whitespace
// collapsed. The language of a number is decided by its neighbours: Chinese when a CJK character is
// within two characters before or after it, English otherwise (or forced by `language`). Pure.
//
// Readings (approximate, deterministic):
//   English  42 → forty two · 1,234 → one thousand two hundred thirty four · 3.14 → three point one four
//            1st/22nd → first/twenty second · 1100–1999 and 2100–2099-style years with a non-zero
//            hundreds part → "nineteen ninety nine", "nineteen oh five" (2000–2099 stay cardinals:
//            "two thousand twenty four") · 50% → fifty percent · $3.50 → three dollars and fifty cents
//            · ¥5 → five yuan · €/£ → euros/pounds · 3:30 → three thirty, 3:05 → three oh five,
//            3:00 → three o'clock · -5 → minus five · 3~5 → three to five · 007 → zero zero seven
//   Chinese  123 → 一百二十三 · 2024年 → 二零二四年 (a 4-digit number before 年 is read digit by digit)
//            · 3.5 → 三点五 · 50% → 百分之五十 · 2个 → 两个 (2 before a common measure word, not after 第)
//            · 3:30 → 三点三十分, 2:05 → 两点零五分 · ¥5 → 五元, $5 → 五美元 · -5 → 负五 · 3~5 → 三到五
//   Symbols  & + = @ % # × ÷ ° → and/和, plus/加, equals/等于, at/艾特, percent/百分号, hash/井号
//            (number before a digit), times/乘, divided by/除以, degrees/度.
import { CJK } from './segment.ts';

export type Language = 'auto' | 'en' | 'zh';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: [number, string][] = [[1e12, 'trillion'], [1e9, 'billion'], [1e6, 'million'], [1e3, 'thousand'], [100, 'hundred']];
const ORDINAL: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

export function englishInteger(n: number): string {
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? ` ${ONES[n % 10]}` : '');
  for (const [v, name] of SCALES) {
    if (n >= v) {
      const rest = n % v;
      return `${englishInteger(Math.floor(n / v))} ${name}${rest ? ` ${englishInteger(rest)}` : ''}`;
    }
  }
  return String(n);
}

export function englishOrdinal(n: number): string {
  const words = englishInteger(n).split(' ');
  const last = words.pop()!;
  const ord = ORDINAL[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return [...words, ord].join(' ');
}

export function englishYear(n: number): string {
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  if (lo === 0) return `${englishInteger(hi)} hundred`;
  return `${englishInteger(hi)} ${lo < 10 ? `oh ${ONES[lo]}` : englishInteger(lo)}`;
}

const ZH_DIGITS = '零一二三四五六七八九';
const ZH_UNITS = ['', '十', '百', '千'];

export function chineseInteger(n: number): string {
  if (n === 0) return '零';
  if (n >= 1e8) return chineseInteger(Math.floor(n / 1e8)) + '亿' + (n % 1e8 ? (n % 1e8 < 1e7 ? '零' : '') + chineseInteger(n % 1e8) : '');
  if (n >= 1e4) return chineseInteger(Math.floor(n / 1e4)) + '万' + (n % 1e4 ? (n % 1e4 < 1e3 ? '零' : '') + chineseInteger(n % 1e4) : '');
  let out = '';
  let zero = false;
  const s = String(n);
  for (let i = 0; i < s.length; i++) {
    const d = Number(s[i]);
    const unit = ZH_UNITS[s.length - 1 - i]!;
    if (d === 0) {
      zero = true;
      continue;
    }
    if (zero && out) out += '零';
    zero = false;
    out += (d === 1 && unit === '十' && i === 0 ? '' : ZH_DIGITS[d]) + unit;
  }
  return out;
}

const chineseDigits = (s: string) => [...s].map((c) => ZH_DIGITS[Number(c)]).join('');
const englishDigits = (s: string) => [...s].map((c) => ONES[Number(c)]).join(' ');

// 2 before these measure words is 两, not 二 (两个, 两本, 两次 …).
const LIANG_BEFORE = '个只本次位件条张把辆台岁天周项种名人家所双对年元块倍层';

function chineseNumber(num: string, next: string, prev = ''): string {
  const [int, frac] = num.replace(/,/g, '').split('.');
  if (next === '年' && int!.length === 4 && !frac) return chineseDigits(int!);
  if (int!.length > 1 && int!.startsWith('0')) return chineseDigits(int!) + (frac ? `点${chineseDigits(frac)}` : '');
  if (int === '2' && !frac && next && LIANG_BEFORE.includes(next) && prev !== '第') return '两'; // 第2名 stays 第二
  const head = int!.length > 16 ? chineseDigits(int!) : chineseInteger(Number(int));
  return frac ? `${head}点${chineseDigits(frac)}` : head;
}

function englishNumber(num: string): string {
  const [int, frac] = num.replace(/,/g, '').split('.');
  const n = Number(int);
  if (int!.length > 1 && int!.startsWith('0')) return englishDigits(int!) + (frac ? ` point ${englishDigits(frac)}` : '');
  if (!frac && !num.includes(',') && int!.length === 4 && n >= 1100 && n % 1000 >= 100) return englishYear(n);
  const head = int!.length > 15 ? englishDigits(int!) : englishInteger(n); // beyond exact doubles: digit by digit
  return frac ? `${head} point ${englishDigits(frac)}` : head;
}

// [singular, plural, minor singular, minor plural] in English; the Chinese unit.
const CURRENCY: Record<string, { en: [string, string, string, string] | [string, string]; zh: string }> = {
  $: { en: ['dollar', 'dollars', 'cent', 'cents'], zh: '美元' },
  '€': { en: ['euro', 'euros', 'cent', 'cents'], zh: '欧元' },
  '£': { en: ['pound', 'pounds', 'penny', 'pence'], zh: '英镑' },
  '¥': { en: ['yuan', 'yuan'], zh: '元' },
};

function englishMoney(sym: string, num: string): string {
  const names = CURRENCY[sym]!.en;
  const [int, minor] = num.replace(/,/g, '').split('.');
  const d = Number(int);
  const head = `${englishInteger(d)} ${d === 1 ? names[0] : names[1]}`;
  if (minor === undefined || /^0+$/.test(minor)) return head;
  if (minor.length === 2 && names.length === 4) {
    const c = Number(minor);
    return `${d ? `${head} and ` : ''}${englishInteger(c)} ${c === 1 ? names[2] : names[3]}`;
  }
  return `${englishNumber(num)} ${names[1]}`;
}

function englishTime(h: number, m: number, s: number | undefined): string {
  const mins = m === 0 ? "o'clock" : m < 10 ? `oh ${ONES[m]}` : englishInteger(m);
  const secs = s ? ` and ${englishInteger(s)} ${s === 1 ? 'second' : 'seconds'}` : '';
  return `${englishInteger(h)} ${mins}${secs}`;
}

function chineseTime(h: number, m: number, s: number | undefined): string {
  const hour = h === 2 ? '两' : chineseInteger(h);
  const mins = m === 0 ? '' : `${m < 10 ? '零' : ''}${chineseInteger(m)}分`;
  const secs = s ? `${s < 10 ? '零' : ''}${chineseInteger(s)}秒` : '';
  return `${hour}点${mins}${secs}`;
}

// A number: 1,234,567 (thousands groups) or plain digits, optional decimals. A comma not followed by
// exactly three digits is punctuation, never part of the number.
const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;

const SYMBOL_WORDS: Record<string, [string, string]> = {
  '&': ['and', '和'], '+': ['plus', '加'], '@': ['at', '艾特'], '=': ['equals', '等于'], '%': ['percent', '百分号'],
  '#': ['hash', '井号'], '×': ['times', '乘'], '÷': ['divided by', '除以'], '°': ['degrees', '度'],
};

export interface NormalizeOptions {
  /** 'auto' (default): numbers and symbols read in the language of their neighbours. */
  language?: Language;
}

/** NFKC, Latin diacritics stripped, numbers/times/money/symbols read out in the surrounding language, whitespace collapsed. */
export function normalizeText(text: string, opts: NormalizeOptions = {}): string {
  const language = opts.language ?? 'auto';
  let t = text.normalize('NFKC').normalize('NFD').replace(/(?<=[A-Za-z])\p{M}+/gu, '').normalize('NFC');
  // "Chinese context": a CJK character within two characters before or after the match.
  const near = (s: string, i: number, len: number) =>
    language === 'zh' || (language === 'auto' && (CJK.test(s.slice(Math.max(0, i - 2), i)) || CJK.test(s.slice(i + len, i + len + 2))));
  const spaced = (words: string) => ` ${words} `;

  // Times first (3:30 must not become "three: thirty"); only valid clock values.
  t = t.replace(/(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])/g, (m: string, hh: string, mm: string, ss: string | undefined, i: number, s: string) => {
    const [h, mi, se] = [Number(hh), Number(mm), ss === undefined ? undefined : Number(ss)];
    if (h > 24 || mi > 59 || (se !== undefined && se > 59)) return m;
    return near(s, i, m.length) ? chineseTime(h, mi, se) : spaced(englishTime(h, mi, se));
  });
  // Money: a currency sign before the amount.
  t = t.replace(new RegExp(String.raw`([$€£¥])\s?(${NUM})`, 'g'), (m: string, sym: string, n: string, i: number, s: string) =>
    near(s, i, m.length) ? chineseNumber(n, '') + CURRENCY[sym]!.zh : spaced(englishMoney(sym, n)));
  t = t.replace(/(\d+)(st|nd|rd|th)\b/gi, (_, n: string) => spaced(englishOrdinal(Number(n))));
  t = t.replace(/(^|[^\w.])-(?=\d)/g, (m: string, pre: string, i: number, s: string) =>
    `${pre}${near(s, i, m.length + 1) ? '负' : ' minus '}`);
  t = t.replace(/(?<=\d)\s*[~～]\s*(?=\d)/g, (m: string, i: number, s: string) => (near(s, i, m.length) ? '到' : ' to '));
  t = t.replace(/#(?=\d)/g, (m: string, i: number, s: string) => (near(s, i, 1) ? '第' : ' number '));
  t = t.replace(new RegExp(String.raw`(${NUM})(%)?`, 'g'), (m: string, n: string, pct: string | undefined, i: number, s: string) => {
    const next = s[i + m.length] ?? '';
    if (near(s, i, m.length)) return pct ? `百分之${chineseNumber(n, '')}` : chineseNumber(n, next, s[i - 1]);
    return spaced(pct ? `${englishNumber(n)} percent` : englishNumber(n));
  });
  t = t.replace(/[&+@=%#×÷°]/g, (c: string, i: number, s: string) => (near(s, i, 1) ? SYMBOL_WORDS[c]![1] : spaced(SYMBOL_WORDS[c]![0])));
  // Spaces we added before punctuation ("five dollars ,") are noise: drop them.
  return t.replace(/\s+/g, ' ').replace(/ (?=[,.;:!?])/g, '').trim();
}
