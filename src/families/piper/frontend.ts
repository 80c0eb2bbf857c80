// The `espeak-piper` frontend: text → espeak-ng IPA per clause → Piper's ids (phonemes.ts), with the
// voice's phoneme_id_map as the manifest's symbol table (index = id). Manifest options: `voice` (the
// espeak-ng voice, e.g. en-us), `bos`/`eos`/`pad` (Piper's ^ $ _ by default).
import { UserError } from '../../core/errors.ts';
import type { FactoryContext, Frontend, FrontendDef, FrontendOptions, FrontendResult } from '../../pipeline/types.ts';
import { espeakClauses } from './espeak.ts';
import { clauseTokens, encode, packSentences, PIPER_CONVENTIONS, sentenceTexts, splitClauses, type IdConventions } from './phonemes.ts';

export interface PiperFrontendOptions {
  voice: string;
  conventions: IdConventions;
  /** The phonemizer: clause texts → IPA per clause (espeak-ng by default). */
  phonemize?: (clauses: string[], voice: string) => Promise<string[]>;
}

export function piperFrontend(symbols: string[], opts: PiperFrontendOptions): Frontend {
  const table = new Map<string, number>();
  symbols.forEach((s, i) => {
    if (s !== '' && !table.has(s)) table.set(s, i);
  });
  const phonemize = opts.phonemize ?? espeakClauses;
  return {
    name: 'espeak-piper',
    sentences: sentenceTexts,
    // the voice's own language (en-us, and en), as a hint that changes nothing; another is refused
    languages: [...new Set(['auto', opts.voice, opts.voice.split('-')[0]!])],
    async toIds(text: string, o: FrontendOptions): Promise<FrontendResult> {
      const clauses = splitClauses(text);
      const ipa = await phonemize(clauses.map((c) => c.text), opts.voice);
      const phonemized = clauses.map((c, i) => ({ ...c, ipa: ipa[i] ?? '', tokens: clauseTokens(ipa[i] ?? '', c.terminator) }));
      const { parts, split } = packSentences(phonemized, o.limit);
      const warnings: string[] = [];
      const unknown = new Map<string, number>();
      const sentences = parts.map((p) => {
        const e = encode(p.tokens, table, opts.conventions);
        for (const u of e.unknown) unknown.set(u, (unknown.get(u) ?? 0) + 1);
        return { text: p.text, tokens: e.tokens, ids: e.ids };
      });
      for (const [u, n] of unknown) {
        const cp = [...u].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ');
        warnings.push(`phoneme "${u}" (${cp}) is not in the voice's phoneme map: left out ${n} time${n === 1 ? '' : 's'}`);
      }
      const total = sentences.reduce((n, s) => n + s.ids.length, 0);
      if (split) warnings.push(`a sentence was over ${o.limit} ids: spoken in ${sentences.length} parts (split at clauses and words, nothing cut off)`);
      return {
        sentences,
        warnings,
        split: split ? { phonemes: total, limit: o.limit, parts: sentences.length } : null,
        normalized: clauses.map((c) => c.text).join(' '),
        words: phonemized.map((c) => ({ clause: c.text, ipa: c.ipa, terminator: c.terminator, sentence_end: c.sentenceEnd })),
      };
    },
  };
}

function textOption(section: Record<string, unknown>, key: string, fallback: string, ctx: FactoryContext): string {
  const v = section[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v === '') {
    throw new UserError(`frontend.${key} must be a non-empty string`, { place: { ...ctx.place, path: `frontend.${key}` }, hint: `e.g. ${key}: ${JSON.stringify(fallback)}` });
  }
  return v;
}

export const espeakPiperFrontend: FrontendDef = {
  name: 'espeak-piper',
  description: "Piper's phonemes: espeak-ng IPA per clause (punctuation kept, NFD), ids ^ _ p1 _ … pn _ $ from the voice's phoneme_id_map",
  async create(section, symbols, ctx) {
    const conventions: IdConventions = {
      bos: textOption(section, 'bos', PIPER_CONVENTIONS.bos, ctx),
      eos: textOption(section, 'eos', PIPER_CONVENTIONS.eos, ctx),
      pad: textOption(section, 'pad', PIPER_CONVENTIONS.pad, ctx),
    };
    for (const [k, s] of Object.entries(conventions)) {
      if (!symbols.includes(s)) {
        throw new UserError(`frontend.${k}: "${s}" is not in the symbol table`, { place: { ...ctx.place, path: `frontend.${k}` }, hint: 're-import the voice (emovoice import piper) or fix the symbol' });
      }
    }
    return piperFrontend(symbols, { voice: textOption(section, 'voice', 'en-us', ctx), conventions });
  },
};
