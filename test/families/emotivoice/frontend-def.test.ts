// The `emotivoice` frontend as the pipeline gets it: created from a manifest's frontend section, long
// text split to fit both the phoneme limit and the BERT content encoder, warnings for what is not
// spoken, per-word detail for `emovoice phonemize`, and the family registration.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { emotivoice } from '../../../src/families/emotivoice/index.ts';
import { emotivoiceFrontend } from '../../../src/families/emotivoice/frontend.ts';
import { maxWordPieces } from '../../../src/families/emotivoice/wordpiece.ts';
import type { FactoryContext, FrontendSentence } from '../../../src/pipeline/types.ts';
import { GOLDENS, SYMBOLS } from './goldens.ts';

const dir = mkdtempSync(join(tmpdir(), 'emotivoice-fe-'));
writeFileSync(join(dir, 'lexicon.txt'), 'HELLO  HH AH0 L OW1\nIS\tIH0 Z\n');
const ctx: FactoryContext = { manifestPath: join(dir, 'manifest.yaml'), dir, audio: { sample_rate: 16000 }, place: { file: join(dir, 'manifest.yaml'), line: 12, column: 3 } };
const section = (extra: Record<string, unknown> = {}) => ({ name: 'emotivoice', symbols: 'tokenlist', output: 'phoneme_ids', dtype: 'int32', ...extra });
const LONG = `${GOLDENS.none.sentences.slice(0, 12).map((s) => s.text).join('')}`;

async function userError(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe('creating the emotivoice frontend from a manifest', () => {
  it('reads the lexicon the manifest names, relative to the manifest', async () => {
    const fe = await emotivoiceFrontend.create(section({ lexicon: 'lexicon.txt' }), SYMBOLS, ctx);
    const r = await fe.toIds('Hello is', { limit: 100 });
    expect(r.sentences[0]!.tokens.join(' ')).toBe('<sos/eos> [HH] [AH0] [L] [OW1] engsp1 [IH0] [Z] <sos/eos>');
    expect(r.warnings).toEqual([]);
  });

  it('names the manifest place and the fix for a missing lexicon, an unknown key, a bad content_max_len', async () => {
    const missing = await userError(emotivoiceFrontend.create(section({ lexicon: 'librispeech-lexicon.txt' }), SYMBOLS, ctx));
    expect(missing.format()).toMatch(/manifest\.yaml:12:3 frontend\.lexicon: cannot read the English lexicon .*librispeech-lexicon\.txt \(fix: copy lexicon\/librispeech-lexicon\.txt from your EmotiVoice checkout/);
    const unknown = await userError(emotivoiceFrontend.create(section({ lexikon: 'x' }), SYMBOLS, ctx));
    expect(unknown.format()).toMatch(/frontend\.lexikon: unknown key "lexikon" for the emotivoice frontend \(fix: it takes .*lexicon/);
    const len = await userError(emotivoiceFrontend.create(section({ content_max_len: 2 }), SYMBOLS, ctx));
    expect(len.message).toMatch(/content_max_len must be an integer of at least 3/);
    const table = await userError(emotivoiceFrontend.create(section({ pinyin: 'lexicon.txt' }), SYMBOLS, ctx));
    expect(table.format()).toMatch(/frontend\.pinyin: cannot read the pinyin table .*make-pinyin-table\.py/);
  });
});

describe('toIds', () => {
  it('says what it could not speak, and that English came from CMUdict without a lexicon', async () => {
    const fe = await emotivoiceFrontend.create(section(), SYMBOLS, ctx);
    const r = await fe.toIds('价格是$100，呣，zorbalix 好 ♥', { limit: 200 });
    expect(r.warnings[0]).toMatch(/no English lexicon \(frontend\.lexicon\)/);
    expect(r.warnings).toContainEqual(expect.stringMatching(/not spoken .*: \$ ♥/));
    expect(r.warnings).toContainEqual(expect.stringMatching(/letter-to-sound rules .*: zorbalix/));
    expect(r.warnings).toContainEqual(expect.stringMatching(/left out, not in this model's tokenlist: em2/)); // 呣 → em2
    expect(r.normalized).toBe('价格是$一百，呣，zorbalix 好 ♥');
  });

  it('gives per-word detail: jieba words, pinyin and where it came from, English sources', async () => {
    const fe = await emotivoiceFrontend.create(section({ lexicon: 'lexicon.txt' }), SYMBOLS, ctx);
    const r = await fe.toIds('银行 hello world', { limit: 200 });
    const words = (r.words as { words: Record<string, unknown>[] }[])[0]!.words;
    expect(words[0]).toMatchObject({ lang: 'zh', text: '银行', tokens: ['in2', 'sp0', 'h', 'ang2', 'sp1'] });
    expect(words[0]!.pinyin).toEqual([
      { char: '银', pinyin: 'yin2', from: 'phrase' },
      { char: '行', pinyin: 'hang2', from: 'phrase' },
    ]);
    expect(words.filter((w) => w.lang === 'en').map((w) => [w.text, w.source])).toEqual([['hello', 'lexicon'], ['world', 'cmudict']]);
  });

  it('splits text over the phoneme limit at sentence and clause ends, each part spoken on its own', async () => {
    const fe = await emotivoiceFrontend.create(section(), SYMBOLS, ctx);
    const whole = await fe.toIds(LONG, { limit: 4096 });
    expect(whole.split).toBeNull();
    const limit = 60;
    const r = await fe.toIds(LONG, { limit });
    expect(r.split).toEqual({ phonemes: whole.sentences[0]!.ids.length, limit, parts: r.sentences.length });
    expect(r.sentences.length).toBeGreaterThan(whole.sentences[0]!.ids.length / limit);
    expect(r.sentences.map((s) => s.text).join('').replace(/\s/g, '')).toBe(LONG.replace(/\s/g, ''));
    for (const s of r.sentences) {
      expect(s.ids.length).toBeLessThanOrEqual(limit);
      const alone = (await fe.toIds(s.text, { limit: 4096 })).sentences[0]!;
      expect(s.tokens).toEqual(alone.tokens);
    }
    expect(r.sentences[0]!.text).toMatch(/[。！？]$/); // cut after a sentence end first
  });

  it("splits sentence text to fit the BERT content encoder's positions even when the phonemes fit", async () => {
    const fe = await emotivoiceFrontend.create(section({ content_max_len: 20 }), SYMBOLS, ctx);
    // marks are word pieces but no phonemes: ，，， cost the phoneme sequence nothing
    const text = '好，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，好';
    const r = await fe.toIds(text, { limit: 4096 });
    expect(r.sentences.length).toBeGreaterThan(1);
    for (const s of r.sentences as FrontendSentence[]) expect(maxWordPieces(s.text)).toBeLessThanOrEqual(18);
  });

  it('refuses text with nothing to pronounce, and a part too long to split', async () => {
    const fe = await emotivoiceFrontend.create(section(), SYMBOLS, ctx);
    expect((await userError(fe.toIds('$ ♥ ...', { limit: 100 }))).message).toMatch(/nothing EmotiVoice can pronounce/);
    expect((await userError(fe.toIds('你好', { limit: 3 }))).message).toMatch(/alone is longer than the model takes/);
  });
});

describe('the emotivoice family', () => {
  it('registers its frontend and the wordpiece step under the names manifests use', () => {
    expect(emotivoice.name).toBe('emotivoice');
    expect(emotivoice.frontends!.map((f) => f.name)).toEqual(['emotivoice']);
    expect(emotivoice.steps!.map((s) => s.name)).toContain('wordpiece');
  });
});
