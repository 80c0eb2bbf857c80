// What every family's frontend gets: the request text without terminal control characters and escape
// sequences (an ANSI colour code was spoken as "thirty one m"), with one warning saying what was
// removed, as unreadable characters get; and a refusal, one error line, for a text with nothing to say
// (punctuation only, zero-width characters, "-"), so that no family writes near-silent audio for it.
// Pure; the pipeline applies it in front of whichever frontend the manifest names (pipeline/model.ts).
import { UserError } from '../core/errors.ts';
import { escapeControls } from '../core/terminal.ts';

// ESC sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-character escapes; the C1 CSI.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[ -/]*[0-~]?|\u009b[0-?]*[ -/]*[@-~]/g;
// Controls other than whitespace, and invisible format characters (zero-width space/joiners, BOM, bidi).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\p{Cf}]/gu;

export interface CleanText {
  text: string;
  /** At most one: what was removed, escaped for printing. */
  warnings: string[];
}

/** The text with escape sequences and control characters removed (tab, newline and CR kept). Pure. */
export function cleanText(text: string): CleanText {
  const removed: string[] = [];
  const noEscapes = text.replace(ESCAPES, (m) => (removed.push(m), ''));
  const noControls = noEscapes.replace(CONTROLS, (m) => (removed.push(m), ''));
  const clean = noControls; // tab, newline and CR stay: they are whitespace (a line break may end a sentence) to every frontend
  if (!removed.length) return { text: clean, warnings: [] };
  const shown = [...new Set(removed)].slice(0, 5).map((r) => escapeControls(r).replace(/[\u200b-\u200d\u2060\ufeff\p{Cf}]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`));
  return {
    text: clean,
    warnings: [`removed ${removed.length} control character${removed.length === 1 ? '' : 's'} or escape sequence${removed.length === 1 ? '' : 's'} from the text (${shown.join(' ')}${removed.length > shown.length ? ' …' : ''}): they are not spoken`],
  };
}

/** A letter or a digit: something any family can say. */
const SPEAKABLE = /[\p{L}\p{N}]/u;

/** Refuses, as one user error, a (cleaned) text with no letter or digit in it. Pure. */
export function assertSpeakable(text: string): void {
  if (SPEAKABLE.test(text)) return;
  const what = text.trim() === '' ? 'is empty (after removing control and invisible characters)' : `has no letter or digit, only "${escapeControls(text.trim().slice(0, 40))}"`;
  throw new UserError(`the text ${what}: nothing to speak`, { hint: 'give words to say, e.g. "Hello world"' });
}
