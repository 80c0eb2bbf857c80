// The emotivoice frontend against EmotiVoice's REAL frontend, token for token and id for id, on the
// goldens its own frontend.py wrote (fixtures/README.md says how). Three lexicons:
//   none         every English word through g2p_en (EmotiVoice without its lexicon) = our CMUdict fallback
//   own          a small lexicon written for these tests (fixtures/own-lexicon.txt): lexicon words get
//                engsp1 after them, fallback words do not, first entry wins, tabs and double spaces
//   librispeech  EmotiVoice's lexicon/librispeech-lexicon.txt: no package ships it, so this runs only
//                when EMOVOICE_LIBRISPEECH_LEXICON names a copy (e.g. your EmotiVoice checkout's)
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmotiVoiceFrontend, loadPinyinTable, BUNDLED_PINYIN } from '../../../src/families/emotivoice/frontend.ts';
import { parseLexicon, type Lexicon } from '../../../src/families/emotivoice/lexicon.ts';
import { digitsToChineseText } from '../../../src/families/emotivoice/numbers.ts';
import { fixture, GOLDENS, SYMBOLS, type Golden } from './goldens.ts';

const PINYIN = loadPinyinTable(BUNDLED_PINYIN);

function frontend(lexicon: Lexicon | null) {
  return new EmotiVoiceFrontend({ symbols: SYMBOLS, lexicon, pinyin: PINYIN, contentMaxLen: 512 });
}

async function expectGolden(fe: EmotiVoiceFrontend, g: Golden) {
  expect(g.sentences.length).toBeGreaterThan(40);
  for (const s of g.sentences) {
    const r = await fe.toIds(s.text, { limit: 4096 });
    expect(r.sentences.length, s.text).toBe(1);
    expect(r.sentences[0]!.tokens.join(' '), s.text).toBe(s.tokens.join(' '));
    expect(Array.from(r.sentences[0]!.ids), s.text).toEqual(s.ids);
    expect(r.split).toBeNull();
  }
}

describe('emotivoice frontend = EmotiVoice frontend.py (goldens)', () => {
  it('the goldens name the versions that made them and use one id per token', () => {
    expect(GOLDENS.none.about.versions).toMatchObject({ pypinyin: '0.49.0', 'pypinyin-dict': '0.7.0', jieba: '0.42.1', 'g2p-en': '2.1.0' });
    const idOf = new Map<string, number>();
    for (const g of Object.values(GOLDENS)) {
      for (const s of g.sentences) {
        s.tokens.forEach((t, i) => {
          if (!idOf.has(t)) idOf.set(t, s.ids[i]!);
          expect(idOf.get(t), t).toBe(s.ids[i]);
        });
      }
    }
    expect(new Set(idOf.values()).size).toBe(idOf.size);
  });

  it('without a lexicon (every English word from CMUdict, as g2p_en would)', async () => {
    await expectGolden(frontend(null), GOLDENS.none);
  });

  it('with a lexicon of its own format (fixtures/own-lexicon.txt)', async () => {
    await expectGolden(frontend(parseLexicon(readFileSync(fixture('own-lexicon.txt'), 'utf8'))), GOLDENS.own);
  });

  const lexiconFile = process.env.EMOVOICE_LIBRISPEECH_LEXICON;
  if (!lexiconFile || !existsSync(lexiconFile)) {
    console.log('[emotivoice frontend] skipping the librispeech-lexicon goldens: set EMOVOICE_LIBRISPEECH_LEXICON to ' +
      "a copy of EmotiVoice's lexicon/librispeech-lexicon.txt (no package ships it, so no set-up step can install it)");
  }
  it.skipIf(!lexiconFile || !existsSync(lexiconFile))('with EmotiVoice\'s librispeech lexicon', async () => {
    await expectGolden(frontend(parseLexicon(readFileSync(lexiconFile!, 'utf8'))), GOLDENS.librispeech);
  });

  it('reads digits as cn2an does, on 400 generated numbers', () => {
    const numbers = GOLDENS.none.numbers!;
    expect(numbers.length).toBe(400);
    for (const n of numbers) expect(digitsToChineseText(n.text, []), n.text).toBe(n.chinese);
  });
});
