// The emotivoice family: EmotiVoice's real inference interface (netease-youdao/EmotiVoice). Registers
// its text frontend (`emotivoice`: EmotiVoice's g2p_cn_en → tokenlist ids) and its host steps
// (`wordpiece`: BERT word pieces for the prompt and content encoders). See docs/model-manifest.md.
// The definitions here are light: the frontend (jieba, the pinyin table, CMUdict) and the tokenizer
// library load when a model of this family is opened, not whenever the registry is read.
import type { FamilyDef, FrontendDef, HostStepDef } from '../../pipeline/types.ts';

const emotivoiceFrontend: FrontendDef = {
  name: 'emotivoice',
  description: "EmotiVoice's own frontend (g2p_cn_en): jieba + pypinyin tables for Mandarin, its librispeech lexicon for English, sp/engsp prosody tokens",
  create: async (section, symbols, ctx) => (await import('./frontend.ts')).emotivoiceFrontend.create(section, symbols, ctx),
};

/** The wordpiece step's name and ports: here, so that registering it loads no tokenizer. */
export const WORDPIECE: Omit<HostStepDef, 'create'> = {
  name: 'wordpiece',
  description: 'BERT WordPiece: text → input_ids, token_type_ids, attention_mask [1, n] (vocab from the model folder)',
  inputs: [{ name: 'text', dtype: 'text' }],
  outputs: [
    { name: 'input_ids', dtype: 'any' },
    { name: 'token_type_ids', dtype: 'any' },
    { name: 'attention_mask', dtype: 'any' },
  ],
};

const wordpieceStep: HostStepDef = {
  ...WORDPIECE,
  create: async (params, ctx) => (await import('./wordpiece.ts')).wordpieceStep.create(params, ctx),
};

export const emotivoice: FamilyDef = {
  name: 'emotivoice',
  description: 'EmotiVoice: text prompt (BERT) style and content, speaker id, Gaussian upsampling, its own tokenlist',
  frontends: [emotivoiceFrontend],
  steps: [wordpieceStep],
  sampleText: '今天天气很好，我们去公园散步吧。Hello, I am happy.',
};
