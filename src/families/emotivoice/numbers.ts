// Numbers as EmotiVoice reads them: every run of digits (with dots) in the whole input becomes Chinese
// numerals before anything else happens, in English sentences too ("I have 3 apples" says 三). This is
// frontend_cn.py's tn_chinese with the cn2an copy EmotiVoice ships (an2cn, "low" mode), reproduced
// from reading it: no measure-word 两, no years read digit by digit (2024年 is 二千零二十四年), a dot
// right after the digits is part of the number ("in 2024." loses its full stop), "1,000" is 一,零.
// Where EmotiVoice's own code raises (three dot-separated groups, more than 16 integer digits) this
// reads the digits anyway and says so in a warning. Pure.

const DIGITS = '零一二三四五六七八九';
// Place names by position from the right, as cn2an's UNIT_LOW_ORDER_AN2CN (16 places at most).
const PLACES = ['', '十', '百', '千', '万', '十', '百', '千', '亿', '十', '百', '千', '万', '十', '百', '千'];

/** cn2an's integer part: "2024" → 二千零二十四, "10" → 十, "007" → 七, "0" → 零. */
function integerToChinese(digits: string): string {
  const s = digits.replace(/^0+(?=\d)/, ''); // str(int(x)): leading zeros go, "000" stays "0"
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const d = Number(s[i]);
    const place = s.length - i - 1;
    if (d !== 0) {
      out += DIGITS[d]! + PLACES[place]!;
      continue;
    }
    // A zero names its place only at 万/亿 boundaries (every fourth place), and says 零 once.
    if (place % 4 === 0) out += DIGITS[0]! + PLACES[place]!;
    if (i > 0 && !out.endsWith('零')) out += DIGITS[0]!;
  }
  out = out
    .replaceAll('零零', '零')
    .replaceAll('零万', '万')
    .replaceAll('零亿', '亿')
    .replaceAll('亿万', '亿')
    .replace(/^零+|零+$/g, '');
  if (out.startsWith('一十')) out = out.slice(1);
  return out || '零';
}

function digitsToChinese(digits: string): string {
  return [...digits].map((c) => DIGITS[Number(c)]!).join('');
}

/** One matched run ("3", "2.5", "2024.", "1.2.3") read as EmotiVoice's an2cn reads it. */
export function numberToChinese(run: string, warnings: string[]): string {
  const groups = run.split('.');
  if (groups.length > 2) {
    warnings.push(`"${run}": EmotiVoice's own frontend stops with an error on more than one dot in a number; read group by group`);
    return groups.map((g) => (g ? numberToChinese(g, warnings) : '')).join('点');
  }
  const [int, frac] = groups as [string, string | undefined];
  let head: string;
  if (int.replace(/^0+(?=\d)/, '').length > PLACES.length) {
    warnings.push(`"${run}": EmotiVoice's own frontend stops with an error on numbers over ${PLACES.length} digits; read digit by digit`);
    head = digitsToChinese(int);
  } else head = integerToChinese(int);
  if (frac === undefined || frac === '') return head; // "2024." reads as 2024: the dot is swallowed
  if (frac.length > 16) warnings.push(`"${run}": EmotiVoice reads only the first 16 decimals`);
  return `${head}点${digitsToChinese(frac.slice(0, 16))}`;
}

// frontend_cn.py's re_digits: a digit, then digits and dots. Python's \d also matches other scripts'
// digits (fullwidth １２３ …), on which cn2an raises; those are read after NFKC (fullwidth → ASCII).
const DIGIT_RUN = /\p{Nd}[\p{Nd}.]*/gu;

/** tn_chinese over a whole text: each digit run replaced by its Chinese reading. */
export function digitsToChineseText(text: string, warnings: string[]): string {
  return text.replace(DIGIT_RUN, (run) => {
    const ascii = run.normalize('NFKC');
    if (!/^[0-9.]+$/.test(ascii)) {
      warnings.push(`"${run}": digits of this script are not read (EmotiVoice's own frontend stops with an error on them)`);
      return run;
    }
    if (ascii !== run) warnings.push(`"${run}": EmotiVoice's own frontend stops with an error on non-ASCII digits; read as ${ascii}`);
    return numberToChinese(ascii, warnings);
  });
}
