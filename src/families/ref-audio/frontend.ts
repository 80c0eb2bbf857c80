// The reference-audio family's frontend ("emovoice-mixed"): English (CMUdict + letter-to-sound rules)
// and Mandarin (pinyin with sandhi) into one ARPAbet + pinyin symbol sequence (src/text/), split at
// sentence/clause boundaries when over the limit. The text modules load on first use: they carry the
// dictionaries, which `--help` and manifest checks must not pay for.
import type { Frontend, FrontendDef, FrontendResult } from '../../pipeline/types.ts';

export const mixedFrontend: FrontendDef = {
  name: 'emovoice-mixed',
  description: 'English (CMUdict, letter-to-sound rules) and Mandarin (pinyin, tone sandhi) → ARPAbet + pinyin symbols',
  async create(section, symbols) {
    const text = await import('../../text/frontend.ts');
    const defaultLanguage = typeof section.language === 'string' ? section.language : undefined;
    const frontend: Frontend = {
      name: 'emovoice-mixed',
      sentences: (input) => text.sentencePieces(input),
      languages: ['auto', 'en', 'zh'],
      async toIds(input, opts): Promise<FrontendResult> {
        const language = (opts.language ?? defaultLanguage) as Parameters<typeof text.textToPhonemes>[1]['language'];
        const o = { symbols, language };
        const whole = text.textToPhonemes(input, o);
        const texts = whole.ids.length <= opts.limit ? [input] : text.splitSentences(input, opts.limit, symbols, { language, phonemes: whole.ids.length });
        const parts = texts.length === 1 ? [whole] : texts.map((t) => text.textToPhonemes(t, o));
        return {
          sentences: parts.map((p, i) => ({ text: texts[i]!, tokens: p.symbols, ids: p.ids })),
          warnings: [...new Set(parts.flatMap((p) => p.warnings))],
          split: texts.length > 1 ? { phonemes: whole.ids.length, limit: opts.limit, parts: parts.length } : null,
          normalized: whole.normalized,
          words: whole.words,
        };
      },
    };
    return frontend;
  },
};
