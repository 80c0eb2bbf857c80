// The request text before any family's frontend (issue 25): control characters and ANSI escapes were
// echoed raw and spoken ("ESC[31m" as "thirty one m"); punctuation-only or invisible text gave near-silent
// audio on one family and an error on the others.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { escapeControls } from '../../src/core/terminal.ts';
import { assertSpeakable, cleanText } from '../../src/text/clean.ts';

describe('cleanText', () => {
  it('removes ANSI colour codes, cursor moves, OSC titles, bells and NULs, with one warning showing them escaped', () => {
    const r = cleanText('\x1b[31mHello\x1b[0m wor\x00ld\x07 \x1b]0;title\x07again \x1b[2Kok\u009b1m');
    expect(r.text).toBe('Hello world again ok');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^removed 7 control characters or escape sequences from the text \(\\x1b\[31m \\x1b\[0m \\x1b\]0;title\\x07 \\x1b\[2K \\x9b1m …\): they are not spoken$/);
    expect(r.warnings[0]).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('keeps ordinary text exactly, tabs and newlines included, without a warning; drops zero-width and bidi characters', () => {
    expect(cleanText('你好世界, Hello — 3.14!')).toEqual({ text: '你好世界, Hello — 3.14!', warnings: [] });
    expect(cleanText('line one\nline\ttwo\r\n')).toEqual({ text: 'line one\nline\ttwo\r\n', warnings: [] });
    const z = cleanText('a\u200bb\u202ec\ufeff');
    expect(z.text).toBe('abc');
    expect(z.warnings[0]).toMatch(/\\u200b \\u202e \\ufeff/);
  });
});

describe('assertSpeakable', () => {
  it('refuses punctuation only, "-", and nothing left after cleaning, as one user error; accepts any letter or digit', () => {
    for (const t of ['...', '-', '!!', ' ', '', '—,;:', '\u3002']) expect(() => assertSpeakable(t), JSON.stringify(t)).toThrow(UserError);
    expect(() => assertSpeakable('...')).toThrow(/the text has no letter or digit, only "\.\.\.": nothing to speak/);
    for (const t of ['a', '7', '你', 'Ж', 'ok!']) expect(() => assertSpeakable(t)).not.toThrow();
  });
});

describe('escapeControls', () => {
  it('writes every control character as an escape, so echoed input stays one inert line', () => {
    expect(escapeControls('a\x1b[31mb\nc\td\x7f\u202e')).toBe('a\\x1b[31mb\\nc\\td\\x7f\\u202e');
    expect(escapeControls('plain 你好 text')).toBe('plain 你好 text');
  });
});
