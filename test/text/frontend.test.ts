import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitSentences, textToPhonemes } from '../../src/text/frontend.ts';
import { UserError } from '../../src/core/errors.ts';
import { manifestSymbols, ROOT, SYMBOLS } from './symbols.ts';

const symbols = SYMBOLS;
const ph = (t: string, language?: 'auto' | 'en' | 'zh') => textToPhonemes(t, { symbols, language }).symbols.join(' ');
const HELLO = resolve(ROOT, 'models/tiny/refs/e2e/hello.json');

describe('textToPhonemes', () => {
  it('reads "Hello world, 你好世界" exactly', () => {
    // hello: HH AH0 L OW1 (CMUdict's first), world: W ER1 L D; "," → <sil>;
    // 你好 ni3 hao3 → 3-3 sandhi → ni2 hao3; 世界 shi4 jie4 → sh iii4, j ie4; 2-character words.
    const r = textToPhonemes('Hello world, 你好世界', { symbols });
    expect(r.symbols).toEqual([
      '<sil>', 'HH', 'AH0', 'L', 'OW1', '<sp>', 'W', 'ER1', 'L', 'D', '<sil>',
      'n', 'i2', 'h', 'ao3', '<sp>', 'sh', 'iii4', 'j', 'ie4', '<sil>',
    ]);
    expect(r.warnings).toEqual([]);
    expect([...r.ids]).toEqual(r.symbols.map((s) => symbols.indexOf(s)));
    expect(r.words.map((w) => w.text)).toEqual(['Hello', 'world', ',', '你好', '世界']);
    expect(r.words[0]).toEqual({ kind: 'en', text: 'Hello', symbols: ['HH', 'AH0', 'L', 'OW1'], oov: false });
    expect(r.words[2]).toEqual({ kind: 'pause', text: ',', pause: 'short' });
  });

  it('reads the reference text exactly as the PyTorch end-to-end case recorded it (models/tiny/refs/e2e/hello.json)', () => {
    const hello = JSON.parse(readFileSync(HELLO, 'utf8')) as { text: string; phonemes: string[]; phoneme_ids?: number[] };
    const table = manifestSymbols();
    const r = textToPhonemes(hello.text, { symbols: table });
    expect(r.symbols).toEqual(hello.phonemes);
    expect([...r.ids]).toEqual(hello.phoneme_ids);
    expect(r.warnings).toEqual([]);
  });

  it('reads mixed text: numbers in the language around them', () => {
    expect(ph('我有2个苹果')).toBe('<sil> uo2 iu2 <sp> l iang3 g e4 <sp> p ing2 g uo3 <sil>');
    expect(ph('I have 2 apples')).toBe('<sil> AY1 <sp> HH AE1 V <sp> T UW1 <sp> AE1 P AH0 L Z <sil>');
    expect(ph('2024年')).toBe('<sil> er4 l ing2 <sp> er4 s ii4 <sp> n ian2 <sil>');
    expect(ph('50%')).toBe('<sil> F IH1 F T IY0 <sp> P ER0 S EH1 N T <sil>');
    expect(ph('增长50%')).toBe('<sil> z eng1 zh ang2 <sp> b ai3 f en1 <sp> zh iii1 u3 <sp> sh iii2 <sil>');
    expect(ph('用GPU算3.5秒')).toBe('<sil> iong4 <sp> JH IY1 P IY1 Y UW1 <sp> s uan4 s an1 <sp> d ian2 u2 <sp> m iao3 <sil>'); // 3-3-3 → 2-2-3, left to right
  });

  it('lets the caller force the reading of numbers', () => {
    expect(ph('12', 'zh')).toBe('<sil> sh iii2 er4 <sil>');
    expect(ph('12', 'en')).toBe('<sil> T W EH1 L V <sil>');
    expect(ph('12', 'auto')).toBe('<sil> T W EH1 L V <sil>');
  });

  it('spells acronyms and pronounces unknown words by rules, with a warning', () => {
    expect(ph('GPU')).toBe('<sil> JH IY1 P IY1 Y UW1 <sil>');
    const r = textToPhonemes('Zorbalix', { symbols });
    expect(r.symbols).toEqual(['<sil>', 'Z', 'AO1', 'R', 'B', 'AE0', 'L', 'IH0', 'K', 'S', '<sil>']);
    expect(r.warnings).toEqual(['"Zorbalix" is not in CMUdict; pronounced by letter-to-sound rules (approximate)']);
    expect(r.words[0]).toMatchObject({ kind: 'en', oov: true });
  });

  it('rejects empty or unpronounceable text with a UserError', () => {
    for (const t of ['', '   ', '!!! 。。', '\n\t', '“”']) {
      expect(() => textToPhonemes(t, { symbols })).toThrow(UserError);
      expect(() => textToPhonemes(t, { symbols })).toThrow(/^text is empty/);
    }
    expect(() => textToPhonemes('мир', { symbols })).toThrow('text is empty or has nothing to pronounce (cannot read: м и р)');
    try {
      textToPhonemes('', { symbols });
      expect.unreachable();
    } catch (e) {
      expect((e as UserError).hint).toMatch(/give some text/);
      expect((e as UserError).format()).toMatch(/^text is empty.*\(fix: give some text/);
    }
  });

  it('turns punctuation into one <sil>, quotes into nothing, <sp> between words', () => {
    expect(ph('Hi!!! ... there')).toBe('<sil> HH AY1 <sil> DH EH1 R <sil>');
    expect(ph('good day')).toBe('<sil> G UH1 D <sp> D EY1 <sil>');
    expect(ph('Hello "world"')).toBe('<sil> HH AH0 L OW1 <sp> W ER1 L D <sil>');
    expect(ph('“你好”，他说。')).toBe('<sil> n i2 h ao3 <sil> t a1 sh uo1 <sil>');
    expect(ph('Wait; stop.')).toBe('<sil> W EY1 T <sil> S T AA1 P <sil>');
    expect(ph('...Hello')).toBe('<sil> HH AH0 L OW1 <sil>');
  });

  it('maps symbols missing from the table to <unk> with a warning, never dropping them', () => {
    const small = symbols.filter((s) => s !== 'OW1');
    const r = textToPhonemes('hello', { symbols: small });
    expect(r.symbols).toEqual(['<sil>', 'HH', 'AH0', 'L', '<unk>', '<sil>']);
    expect(r.ids[4]).toBe(small.indexOf('<unk>'));
    expect((r.words[0] as { symbols: string[] }).symbols).toContain('OW1');
    expect(r.warnings).toEqual(['symbol "OW1" is not in the model\'s symbol table; using <unk>']);
    expect(() => textToPhonemes('hello', { symbols: small.filter((s) => s !== '<unk>') })).toThrow(UserError);
  });

  it('uses the ids of the table it is given (the table is an input)', () => {
    const reversed = [...symbols].reverse();
    const r = textToPhonemes('你好 hello', { symbols: reversed });
    expect([...r.ids]).toEqual(r.symbols.map((s) => reversed.indexOf(s)));
  });

  it('warns about characters it cannot read instead of dropping them silently', () => {
    const r = textToPhonemes('hello мир ♥', { symbols });
    expect(r.symbols.join(' ')).toBe('<sil> HH AH0 L OW1 <sil>');
    expect(r.warnings).toEqual(['skipped characters the frontend cannot read: м и р ♥']);
  });
});

describe('splitSentences', () => {
  const words = (t: string) => textToPhonemes(t, { symbols }).symbols.filter((s) => !s.startsWith('<'));
  const len = (t: string) => textToPhonemes(t, { symbols }).ids.length;
  const seq = (t: string) => textToPhonemes(t, { symbols }).symbols;
  // The chunks' sequences, edge <sil> removed, are consecutive pieces of the unsplit sequence, and
  // where two chunks meet the unsplit sequence has at most one pause symbol (<sil> or <sp>; none
  // only when a cut had to fall inside a Chinese word).
  const expectSameModuloCuts = (text: string, chunks: string[]) => {
    const full = seq(text).slice(1, -1);
    let i = 0;
    chunks.forEach((c, k) => {
      if (k > 0 && (full[i] === '<sil>' || full[i] === '<sp>')) i++;
      const part = seq(c).slice(1, -1);
      expect(full.slice(i, i + part.length)).toEqual(part);
      i += part.length;
    });
    expect(i).toBe(full.length);
  };

  it('splits at sentence, clause and word boundaries without losing a phoneme', () => {
    const text = 'Hello world. This is a test, of splitting! 你好世界。再见。';
    const chunks = splitSentences(text, 12, symbols);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(len(c)).toBeLessThanOrEqual(12);
    expect(chunks.flatMap(words)).toEqual(words(text));
    expectSameModuloCuts(text, chunks);
    expect(chunks[0]).toBe('Hello world.');
    expect(splitSentences('Hello world.', 100, symbols)).toEqual(['Hello world.']);
  });

  it('prefers sentence ends, then commas', () => {
    const text = 'One two three, four five. Six seven, eight nine.';
    expect(splitSentences(text, 30, symbols)).toEqual(['One two three, four five.', 'Six seven, eight nine.']);
    expect(splitSentences(text, 16, symbols)).toEqual(['One two three,', 'four five.', 'Six seven,', 'eight nine.']);
  });

  it('keeps every character, every chunk fits, and the phonemes equal the unsplit ones modulo edge pauses', () => {
    const text = '... Hello world. This is a test, of splitting! 你好世界。再见。 It costs 3.5 dollars, 1,000 times!! 我们明天去北京看熊猫，好不好？';
    for (const max of [16, 24, 40]) {
      const chunks = splitSentences(text, max, symbols);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
      for (const c of chunks) expect(len(c)).toBeLessThanOrEqual(max);
      expect(chunks.flatMap(words)).toEqual(words(text));
      expectSameModuloCuts(text, chunks);
    }
  });

  it('cuts a long CJK run between characters as a last resort', () => {
    const zh = '我们明天去北京看熊猫我们明天去北京看熊猫';
    const chunks = splitSentences(zh, 12, symbols);
    expect(chunks).toEqual(['我们明天', '去北京看', '熊猫我们', '明天去北', '京看熊猫']); // at 2-character words
    expectSameModuloCuts(zh, chunks);
    expect(splitSentences(zh, 5, symbols).join('')).toBe(zh); // "明天" alone is 6 ids: cut between characters
    expect(chunks.join('')).toBe(zh);
    for (const c of chunks) expect(len(c)).toBeLessThanOrEqual(12);
    expect(chunks.flatMap(words).map((s) => s.replace(/\d$/, ''))).toEqual(words(zh).map((s) => s.replace(/\d$/, ''))); // tones may change at a cut
  });

  it('refuses a single word longer than the limit, and empty text', () => {
    expect(() => splitSentences('supercalifragilistic', 5, symbols)).toThrow(/alone needs more than 5 phonemes/);
    expect(() => splitSentences('supercalifragilistic', 5, symbols)).toThrow(UserError);
    expect(() => splitSentences('  ', 12, symbols)).toThrow(UserError);
  });
});
