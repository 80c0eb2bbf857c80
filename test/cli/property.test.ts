// Property-based test of the CLI's text and flag inputs (issue 25), with fast-check: a fixed seed and a
// bounded number of runs, so it is the same test on every machine. Random Unicode (any script, emoji,
// combining marks), control characters and ANSI escapes, texts up to 50,000 characters, and random --set
// keys and values. Every run must end in exit 0 with a valid WAV, or exit 2 with exactly one `error:`
// line — never another exit code, a hang (the test's timeout) or a stack trace. Runs in-process through
// main() (test/support/cli-inprocess.ts); a long command line's own effect is tested by spawning the CLI
// in hostile.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeWav, parseWav } from '../../src/audio/wav.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { runCli } from '../support/cli-inprocess.ts';

const ROOT = resolve(__dirname, '../..');
let dir: string;
let ref: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ev-prop-'));
  ref = join(dir, 'voice.wav');
  const e2e = await readNpz(join(ROOT, 'models/tiny/refs/e2e/hello.npz'));
  await writeFile(ref, encodeWav(e2e.wav_ref!.data as Float32Array, 16000, { format: 'pcm16' }));
  process.env.EMOVOICE_CACHE = join(dir, 'cache');
});

const CONTROLS = ['\x00', '\x07', '\x08', '\x1b', '\x1b[31m', '\x1b[0m', '\x1b[2J', '\x1b]0;title\x07', '\r', '\n', '\t', '\x7f', '\u009b', '\u200b', '\u202e', '\ufeff'];
const WORDS = ['Hello', 'world', '你好', '世界', '42', '3.14', '$5', '-', '...', '!', ' ', 'é', '😀', 'Ж', '\u0301'];

/** Random Unicode, mixed with control characters and words; short, as most requests are. */
const shortText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...CONTROLS, ...WORDS), { maxLength: 20 }).map((xs) => xs.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);
/** Up to 50,000 characters: a short head and a long run of what costs nothing to speak (spaces, controls, invisible characters, punctuation). */
const longText = fc
  .tuple(shortText, fc.constantFrom(' ', '\u200b', '\x07', '.', '\x1b[0m', '\n', '-', ' \x00'), fc.integer({ min: 1_000, max: 50_000 }))
  .map(([head, filler, n]) => (head + filler.repeat(Math.ceil(n / filler.length))).slice(0, 50_000));
/** Shown by fast-check as its length and first characters: a counterexample of 50,000 characters would flood the log. */
const shown = (t: string) => ({ text: t, [fc.toStringMethod]: () => `${JSON.stringify(t.slice(0, 80))}${t.length > 80 ? `… (${t.length} chars)` : ''}` });
const text = fc.oneof({ weight: 4, arbitrary: shortText }, { weight: 1, arbitrary: longText }).map(shown);

const KEYS = ['__proto__', 'constructor', 'prototype', '__proto__.x', 'constructor.prototype.x', 'modules.nosuch.precision', 'modules.vocoder.precision', 'serving.max_text_len', 'serving', 'model', 'backend', 'nosuch', 'a..b', '.', 'modules.__proto__.x'];
const setFlag = fc
  .tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ unit: 'grapheme-ascii', maxLength: 12 })), fc.oneof(fc.constantFrom('1', '0', '-1', 'fp16', 'int8', '[1,2]', '{a: 1}', '{__proto__: {x: 1}}', 'ort', 'trt', '', 'true'), fc.string({ maxLength: 8 })))
  .map(([k, v]) => `${k}=${v}`);
const setFlags = fc.array(setFlag, { maxLength: 2 });

describe('the CLI on random text and --set', () => {
  it('always exits 0 with a valid WAV or 2 with one error line', async () => {
    let run = 0;
    const codes = { 0: 0, 2: 0 };
    await fc.assert(
      fc.asyncProperty(text, setFlags, async ({ text: t }, sets) => {
        const out = join(dir, `out-${run++}.wav`);
        const args = ['synth', '--ref', ref, '--out', out, ...sets.flatMap((s) => ['--set', s]), '--', t];
        const r = await runCli(args);
        const lines = r.err.split('\n').filter((l) => l !== '');
        const what = `synth ${JSON.stringify(sets)} ${JSON.stringify(t.slice(0, 80))}${t.length > 80 ? `… (${t.length} chars)` : ''}\n${r.err.slice(0, 600)}`;
        expect(r.err, what).not.toMatch(/\n\s+at |internal error/);
        expect([0, 2], what).toContain(r.code);
        codes[r.code as 0 | 2]++;
        if (r.code === 0) {
          const wav = parseWav(await readFile(out));
          expect(wav.samples.length, what).toBeGreaterThan(0);
          expect(wav.samples.every(Number.isFinite), what).toBe(true);
          expect(lines.every((l) => l.startsWith('warning: ')), what).toBe(true);
          await rm(out);
        } else {
          expect(lines.filter((l) => l.startsWith('error: ')), what).toHaveLength(1);
          expect(lines.every((l) => l.startsWith('error: ') || l.startsWith('warning: ')), what).toBe(true);
          expect(existsSync(out), what).toBe(false);
        }
        // nothing the user typed reaches the terminal raw
        expect(r.out + r.err, what).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      }),
      { seed: 25, numRuns: 40, endOnFailure: true },
    );
    // both ends were reached: speech was written and input was refused (not 40 refusals of one kind)
    expect(codes[0]).toBeGreaterThanOrEqual(8);
    expect(codes[2]).toBeGreaterThanOrEqual(8);
  }, 600_000);
});
