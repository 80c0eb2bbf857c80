// The emotivoice family: EmotiVoice's real inference interface (netease-youdao/EmotiVoice). Registers
// its text frontend (`emotivoice`: EmotiVoice's g2p_cn_en → tokenlist ids) and its host steps
// (`wordpiece`: BERT word pieces for the prompt and content encoders). See docs/model-manifest.md.
import type { FamilyDef } from '../../pipeline/types.ts';
import { emotivoiceFrontend } from './frontend.ts';
import { wordpieceStep } from './wordpiece.ts';

export const emotivoice: FamilyDef = {
  name: 'emotivoice',
  description: 'EmotiVoice: text prompt (BERT) style and content, speaker id, Gaussian upsampling, its own tokenlist',
  frontends: [emotivoiceFrontend],
  steps: [wordpieceStep],
  sampleText: '今天天气很好，我们去公园散步吧。Hello, I am happy.',
};
