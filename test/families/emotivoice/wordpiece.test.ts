// The BERT WordPiece tokenizer and the `wordpiece` host step against transformers' BertTokenizer and
// AutoTokenizer (fixtures/make-wordpiece-goldens.py), on a vocab whose special tokens are NOT at
// BERT-base-chinese's ids.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { maxWordPieces, parseVocab, WordPieceTokenizer, wordpieceStep } from '../../../src/families/emotivoice/wordpiece.ts';

const fixtures = new URL('./fixtures/', import.meta.url);
const VOCAB_FILE = new URL('wordpiece-vocab.txt', fixtures).pathname;
const VOCAB = parseVocab(readFileSync(VOCAB_FILE, 'utf8'));
const GOLDEN = JSON.parse(readFileSync(new URL('wordpiece-golden.json', fixtures), 'utf8')) as {
  about: Record<string, string>;
  cases: { text: string; ids: number[]; tokens: string[] }[];
};
const ctx = { manifestPath: join(new URL('.', fixtures).pathname, 'manifest.yaml'), dir: new URL('.', fixtures).pathname, audio: { sample_rate: 16000 }, place: { file: 'manifest.yaml', path: 'graph[2].params' } };

describe('WordPiece tokenizer = transformers BertTokenizer / AutoTokenizer', () => {
  const tok = new WordPieceTokenizer(VOCAB);

  it('reads the special tokens from the vocab, and a repeated token keeps its last line', () => {
    expect(tok.ids['[CLS]']).toBe(VOCAB.indexOf('[CLS]'));
    expect(tok.ids['[SEP]']).toBe(VOCAB.indexOf('[SEP]'));
    expect(tok.ids['[CLS]']).not.toBe(101);
    expect(tok.encode('the').ids).toEqual([tok.ids['[CLS]'], VOCAB.lastIndexOf('the'), tok.ids['[SEP]']]);
  });

  it(`gives transformers ${GOLDEN.about.transformers}'s ids on ${GOLDEN.cases.length} texts (Chinese, English, mixed, accents, [UNK], emoji, control characters)`, () => {
    expect(GOLDEN.cases.some((c) => c.tokens.includes('[UNK]'))).toBe(true);
    for (const c of GOLDEN.cases) {
      const e = tok.encode(c.text);
      expect(e.tokens, JSON.stringify(c.text)).toEqual(c.tokens);
      expect(e.ids, JSON.stringify(c.text)).toEqual(c.ids);
      // the bound the frontend splits sentence text by never undercounts
      expect(e.ids.length - 2).toBeLessThanOrEqual(maxWordPieces(c.text));
    }
  });

  it('refuses a vocab without [CLS]/[SEP]/[UNK], naming the file', () => {
    const bad = VOCAB.filter((t) => t !== '[SEP]');
    expect(() => new WordPieceTokenizer(bad, {}, { file: 'vocab.txt' })).toThrow(/no \[SEP\]/);
    try {
      new WordPieceTokenizer(bad, {}, { file: 'vocab.txt' });
    } catch (e) {
      expect((e as UserError).format()).toMatch(/^vocab\.txt .*\(fix: /);
    }
  });
});

describe('the wordpiece host step', () => {
  it('gives int32 [1, n] ids, type ids 0 and mask 1 (int64 on request)', async () => {
    const step = await wordpieceStep.create({ vocab: 'wordpiece-vocab.txt', lowercase: true, max_len: 512 }, ctx);
    const out = (await step.run({ text: '开心' })) as Record<string, { dtype: string; shape: number[]; data: Int32Array }>;
    const golden = GOLDEN.cases.find((c) => c.text === '开心')!;
    expect(out.input_ids!.dtype).toBe('int32');
    expect(out.input_ids!.shape).toEqual([1, golden.ids.length]);
    expect(Array.from(out.input_ids!.data)).toEqual(golden.ids);
    expect(Array.from(out.token_type_ids!.data)).toEqual(golden.ids.map(() => 0));
    expect(Array.from(out.attention_mask!.data)).toEqual(golden.ids.map(() => 1));
    const wide = await wordpieceStep.create({ vocab: 'wordpiece-vocab.txt', dtype: 'int64' }, ctx);
    const o64 = (await wide.run({ text: '开心' })) as Record<string, { dtype: string; data: BigInt64Array }>;
    expect(o64.input_ids!.dtype).toBe('int64');
    expect(Array.from(o64.input_ids!.data, Number)).toEqual(golden.ids);
  });

  it('says how long text is and what the encoder takes, instead of truncating', async () => {
    const step = await wordpieceStep.create({ vocab: 'wordpiece-vocab.txt', max_len: 8 }, ctx);
    expect(() => step.run({ text: '今天天气很好，我们去公园散步吧' })).toThrow(UserError);
    expect(() => step.run({ text: '今天天气很好，我们去公园散步吧' })).toThrow(/needs 17 word pieces with \[CLS\] and \[SEP\]; the BERT encoder takes 8/);
    expect(() => step.run({ text: '开心' })).not.toThrow();
  });

  it('rejects bad parameters and a missing vocab with the place in the manifest', async () => {
    await expect(wordpieceStep.create({ vocab: 'nope.txt' }, ctx)).rejects.toThrow(/cannot read the BERT vocab/);
    await expect(wordpieceStep.create({}, ctx)).rejects.toThrow(/needs its vocab file/);
    await expect(wordpieceStep.create({ vocab: 'wordpiece-vocab.txt', max_len: 'long' }, ctx)).rejects.toThrow(/max_len must be an integer/);
    await expect(wordpieceStep.create({ vocab: 'wordpiece-vocab.txt', dtype: 'float32' }, ctx)).rejects.toThrow(/int32 or int64/);
    const e = await Promise.resolve(wordpieceStep.create({ vocab: 'wordpiece-vocab.txt', max_length: 3 }, ctx)).catch((x: UserError) => x);
    expect((e as UserError).format()).toBe('manifest.yaml graph[2].params.max_length: unknown parameter "max_length" (fix: the wordpiece step takes vocab, lowercase, max_len, dtype)');
  });

  it('reads a vocab with Windows line ends as Python does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wp-'));
    writeFileSync(join(dir, 'vocab.txt'), VOCAB.join('\r\n') + '\r\n');
    const step = await wordpieceStep.create({ vocab: 'vocab.txt' }, { ...ctx, dir });
    const golden = GOLDEN.cases.find((c) => c.text === 'Hello World! 你好，世界。')!;
    expect(Array.from((step.run({ text: golden.text }) as Record<string, { data: Int32Array }>).input_ids!.data)).toEqual(golden.ids);
  });
});
