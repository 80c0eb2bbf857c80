// Text normalisation before phonemisation: NFKC (full-width → half-width), numbers and common
// symbols read out in the language around them (Chinese digits next to CJK characters, English
// words otherwise), whitespace collapsed. Pure.

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: [number, string][] = [[1e9, 'billion'], [1e6, 'million'], [1e3, 'thousand'], [100, 'hundred']];
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

function englishOrdinal(n: number): string {
  const words = englishInteger(n).split(' ');
  const last = words.pop()!;
  const ord = ORDINAL[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return [...words, ord].join(' ');
}

function englishYear(n: number): string {
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
const CJK = /[\u3400-\u9fff]/;

function numberToWords(num: string, zh: boolean, suffix: string): string {
  const [int, frac] = num.replace(/,/g, '').split('.');
  const n = Number(int);
  if (zh) {
    if (suffix === '年') return chineseDigits(int!) + '年';
    const head = int!.length > 12 ? chineseDigits(int!) : chineseInteger(n);
    return frac ? `${head}点${chineseDigits(frac)}` : head;
  }
  if (!frac && !num.includes(',') && n >= 1100 && n <= 2099 && n % 1000 >= 100) return englishYear(n);
  const head = int!.length > 15 ? englishDigits(int!) : englishInteger(n); // beyond exact doubles: digit by digit
  return frac ? `${head} point ${englishDigits(frac)}` : head;
}

function dollars(num: string): string {
  const [int, cents] = num.replace(/,/g, '').split('.');
  const d = Number(int);
  const head = `${englishInteger(d)} ${d === 1 ? 'dollar' : 'dollars'}`;
  if (cents === undefined || /^0+$/.test(cents)) return head;
  if (cents.length === 2) {
    const c = Number(cents);
    return `${d ? `${head} and ` : ''}${englishInteger(c)} ${c === 1 ? 'cent' : 'cents'}`;
  }
  return `${numberToWords(num, false, '')} dollars`;
}

// A number: 1,234,567 (thousands groups) or plain digits, optional decimals. A comma not followed by
// exactly three digits is punctuation, never part of the number.
const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;

const SYMBOL_WORDS: Record<string, [string, string]> = {
  '&': ['and', '和'], '+': ['plus', '加'], '@': ['at', '艾特'], '=': ['equals', '等于'], '%': ['percent', '百分号'],
};

/** NFKC, Latin diacritics stripped, numbers and & + @ = % read out in the surrounding language, whitespace collapsed. */
export function normalizeText(text: string): string {
  let t = text.normalize('NFKC').normalize('NFD').replace(/(?<=[A-Za-z])\p{M}+/gu, '').normalize('NFC');
  // "Chinese context": a CJK character within two characters before or after the match.
  const near = (s: string, i: number, len: number) => CJK.test(s.slice(Math.max(0, i - 2), i)) || CJK.test(s.slice(i + len, i + len + 2));
  t = t.replace(new RegExp(String.raw`\$(${NUM})`, 'g'), (_, n: string) => ` ${dollars(n)} `);
  t = t.replace(/(\d+)(st|nd|rd|th)\b/gi, (_, n: string) => ` ${englishOrdinal(Number(n))} `);
  t = t.replace(new RegExp(String.raw`(^|[^\w.])-(?=\d)`, 'g'), (m: string, pre: string, i: number, s: string) =>
    `${pre}${near(s, i, m.length + 1) ? '负' : ' minus '}`);
  t = t.replace(new RegExp(String.raw`(${NUM})(%|年)?`, 'g'), (m: string, n: string, suf: string | undefined, i: number, s: string) => {
    const zh = suf === '年' || near(s, i, m.length);
    if (suf === '%') return zh ? `百分之${numberToWords(n, true, '')}` : ` ${numberToWords(n, false, '')} percent `;
    return zh ? numberToWords(n, true, suf ?? '') : ` ${numberToWords(n, false, '')} `;
  });
  t = t.replace(/[&+@=%]/g, (c: string, i: number, s: string) => {
    const zh = near(s, i, 1);
    return zh ? SYMBOL_WORDS[c]![1] : ` ${SYMBOL_WORDS[c]![0]} `;
  });
  // Spaces we added before punctuation ("five dollars ,") are noise: drop them.
  return t.replace(/\s+/g, ' ').replace(/ (?=[,.;:!?])/g, '').trim();
}
