// BERT WordPiece tokenization of the style prompt and the sentence text for EmotiVoice's simbert
// encoder, as its `AutoTokenizer.from_pretrained(simbert)` does it (a BertTokenizerFast built from
// vocab.txt): clean-up, CJK characters one a piece, lower case with accents stripped, whitespace and
// punctuation splits, greedy longest-match word pieces with "##" continuations, [UNK] for a word with
// no split or over 100 characters, then [CLS] … [SEP], one segment (type ids 0), mask all ones.
// The tokenizing is Hugging Face's own tokenizers.js (@huggingface/tokenizers: pure JS, no network),
// given the tokenizer.json that transformers' BertConverter would write for this vocab. The special
// tokens' ids are read from the vocab file (simbert's are not BERT-base-chinese's 101/102).
//
// The host step `wordpiece`: text → input_ids, token_type_ids, attention_mask, each [1, n]. Text over
// `max_len` pieces ([CLS] and [SEP] included) is an error here: the emotivoice frontend already splits
// sentence text to fit (its `content_max_len`), so only a prompt that long can get here.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError, type Place } from '../../core/errors.ts';
import type { FactoryContext, HostStepDef, Value } from '../../pipeline/types.ts';
import { tensor, type Tensor } from '../../tensor/tensor.ts';
import { WORDPIECE } from './index.ts';

export interface WordPieceOptions {
  /** lower-case and strip accents (BertTokenizer's do_lower_case; simbert: true) */
  lowercase?: boolean;
}

export interface WordPieces {
  ids: number[];
  tokens: string[];
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** vocab.txt → tokens by line (Python's universal newlines: \n, \r\n and \r all end a line). */
export function parseVocab(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export class WordPieceTokenizer {
  readonly ids: Record<(typeof SPECIALS)[number], number | undefined>;
  private readonly tokenizer: Tokenizer;

  /** `place` names the vocab file in errors. */
  constructor(vocab: string[], opts: WordPieceOptions = {}, place: Place = {}) {
    // transformers' load_vocab: a token listed twice keeps its last line.
    const index: Record<string, number> = {};
    vocab.forEach((t, i) => (index[t] = i));
    const id = (t: string) => (Object.hasOwn(index, t) ? index[t] : undefined);
    this.ids = Object.fromEntries(SPECIALS.map((t) => [t, id(t)])) as WordPieceTokenizer['ids'];
    const missing = (['[UNK]', '[CLS]', '[SEP]'] as const).filter((t) => this.ids[t] === undefined);
    if (missing.length) {
      throw new UserError(`the BERT vocab has no ${missing.join(', ')} line`, {
        place,
        hint: "use the vocab.txt that came with the model's BERT (simbert-base-chinese)",
      });
    }
    const lowercase = opts.lowercase ?? true;
    const special = (t: string) => ({ id: t, type_id: 0 });
    const json = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIALS.filter((t) => this.ids[t] !== undefined).map((t) => ({
        id: this.ids[t],
        content: t,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: special('[CLS]') }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: special('[SEP]') }],
        pair: [
          { SpecialToken: special('[CLS]') },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: special('[SEP]') },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: Object.fromEntries(
          (['[CLS]', '[SEP]'] as const).map((t) => [t, { id: t, ids: [this.ids[t]], tokens: [t] }]),
        ),
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: index },
    };
    this.tokenizer = new Tokenizer(json, { do_lower_case: lowercase, clean_up_tokenization_spaces: true });
  }

  encode(text: string): WordPieces {
    const e = this.tokenizer.encode(text);
    return { ids: e.ids, tokens: e.tokens };
  }
}

/**
 * At most how many word pieces (without [CLS]/[SEP]) `text` can become, whatever the vocab: every
 * piece, [UNK] included, covers at least one character that survives BERT's clean-up (not a space,
 * a control character or an accent mark). Lets the frontend split sentence text without the vocab.
 */
export function maxWordPieces(text: string): number {
  const count = (s: string) => [...s.replace(/[\p{Mn}\p{Cc}\p{Cf}\s\ufffd]/gu, '')].length;
  return Math.max(count(text.toLowerCase().normalize('NFD')), count(text.normalize('NFD').toLowerCase()));
}

function asTensor(values: number[], dtype: 'int32' | 'int64'): Tensor {
  const data = dtype === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : Int32Array.from(values);
  return tensor(dtype, [1, values.length], data);
}

export const wordpieceStep: HostStepDef = {
  ...WORDPIECE,
  async create(params: Record<string, unknown>, ctx: FactoryContext) {
    const at = (key: string): Place => ({ ...ctx.place, path: `${ctx.place.path ?? 'params'}.${key}` });
    const known = new Set(['vocab', 'lowercase', 'max_len', 'dtype']);
    for (const key of Object.keys(params)) {
      if (!known.has(key)) throw new UserError(`unknown parameter "${key}"`, { place: at(key), hint: `the wordpiece step takes ${[...known].join(', ')}` });
    }
    const { vocab, lowercase = true, max_len: maxLen = 512, dtype = 'int32' } = params;
    if (typeof vocab !== 'string' || !vocab) {
      throw new UserError('the wordpiece step needs its vocab file', { place: at('vocab'), hint: 'set vocab: vocab.txt (relative to the manifest)' });
    }
    if (typeof lowercase !== 'boolean') throw new UserError('lowercase must be true or false', { place: at('lowercase') });
    if (!Number.isInteger(maxLen) || (maxLen as number) < 3) {
      throw new UserError(`max_len must be an integer of at least 3, not ${JSON.stringify(maxLen)}`, { place: at('max_len'), hint: "the BERT encoder's positions (512)" });
    }
    if (dtype !== 'int32' && dtype !== 'int64') throw new UserError(`dtype must be int32 or int64, not ${JSON.stringify(dtype)}`, { place: at('dtype') });
    const file = isAbsolute(vocab) ? vocab : resolve(ctx.dir, vocab);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UserError(`cannot read the BERT vocab ${file}`, { place: at('vocab'), hint: "put the model's vocab.txt next to the manifest" });
    }
    const tok = new WordPieceTokenizer(parseVocab(text), { lowercase }, { file });
    return {
      run(inputs: Record<string, Value>) {
        const input = inputs.text;
        if (typeof input !== 'string') throw new Error('wordpiece: input "text" is not text');
        const { ids } = tok.encode(input);
        if (ids.length > (maxLen as number)) {
          throw new UserError(`"${input.slice(0, 20)}…" needs ${ids.length} word pieces with [CLS] and [SEP]; the BERT encoder takes ${maxLen as number}`, {
            hint: 'shorten the prompt (sentence text is split to fit by the frontend)',
          });
        }
        return {
          input_ids: asTensor(ids, dtype),
          token_type_ids: asTensor(ids.map(() => 0), dtype),
          attention_mask: asTensor(ids.map(() => 1), dtype),
        };
      },
    };
  },
};
