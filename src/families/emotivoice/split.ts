// Splitting text that is too long for the model into parts that fit, never truncating (EmotiVoice
// itself has no limit check: text over BERT's 512 positions fails inside the encoder, its issue #139).
// Cut points, coarsest first: after sentence ends (。！？!? … and a "." before a space), after clause
// marks (，,；;：:、), at spaces, and last between any two characters. At each level the pieces are
// packed greedily into parts that fit. The parts, concatenated, are the input; each is trimmed.
// Pure: `fits` says whether a part is short enough (the caller measures its tokens and word pieces).
import { UserError } from '../../core/errors.ts';
import { cutAfter, packToFit } from '../../text/pack.ts';

const LEVELS: RegExp[] = [
  /(?:[。！？!?…]+|\.+(?=\s|$))["'”’」』）)\]]*\s*/gu,
  /[，,；;：:、]\s*/gu,
  /\s+/gu,
  /(?:)/gu, // between every two code points
];

/** The text cut after each sentence end (the coarsest cut of splitToFit); the pieces concatenate to it. */
export function sentencePieces(text: string): string[] {
  return cutAfter(text, LEVELS[0]!);
}

export function splitToFit(text: string, fits: (part: string) => boolean, what: string): string[] {
  const tooLong = (t: string) =>
    new UserError(`"${t.trim().slice(0, 20)}" alone is longer than the model takes (${what})`, {
      hint: 'raise the limit (serving.max_text_len in the profile) or shorten the text',
    });
  return packToFit(text, fits, LEVELS, tooLong)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
