// The text frontend as a long-lived process for servers that are not Node (Triton's Python backend):
// `emovoice package` bundles this file, with the frontend and its dictionaries, into one dependency-free
// frontend.mjs. Protocol: one JSON object per line on stdin, one answer per line on stdout.
//   request:  {"text": "...", "language"?: "auto"|"en"|"zh", "max_phonemes"?: N}
//   answer:   {"sentences": [{"text": "...", "ids": [..]}, ...], "warnings": ["..."]}
//             or {"error": "...", "fix"?: "..."} for text the frontend refuses (empty, a word too long).
// The symbol table comes from a JSON file named on the command line (the model manifest's symbols:),
// so ids are the same as `emovoice synth` would produce for the same text and limit.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UserError } from '../core/errors.ts';
import { frontend } from '../synth/speak.ts';
import type { Language } from '../text/frontend.ts';

export interface FrontendRequest {
  text: string;
  language?: Language;
  max_phonemes?: number;
}

export type FrontendAnswer =
  | { sentences: { text: string; ids: number[] }[]; warnings: string[] }
  | { error: string; fix?: string };

/** One request → one answer; never throws for bad input (pure apart from the frontend itself). */
export function answer(req: unknown, symbols: string[], defaultMax: number): FrontendAnswer {
  const r = req as Partial<FrontendRequest> | null;
  if (!r || typeof r.text !== 'string') return { error: 'request needs a "text" string', fix: 'send {"text": "..."}' };
  const language = r.language ?? 'auto';
  if (!['auto', 'en', 'zh'].includes(language)) return { error: `unknown language "${language}"`, fix: 'use auto, en or zh' };
  const max = r.max_phonemes ?? defaultMax;
  try {
    const { texts, phonemes, split } = frontend(r.text, symbols, max, language as Language);
    const warnings = split ? [`text split into ${split.parts} sentences to stay within ${max} phonemes (serving.max_text_len)`] : [];
    warnings.push(...phonemes.flatMap((p) => p.warnings));
    return { sentences: texts.map((text, i) => ({ text, ids: Array.from(phonemes[i]!.ids) })), warnings: [...new Set(warnings)] };
  } catch (e) {
    if (e instanceof UserError) return { error: e.message, ...(e.hint ? { fix: e.hint } : {}) };
    return { error: `frontend failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function main(argv: string[]): void {
  const i = argv.indexOf('--symbols');
  const m = argv.indexOf('--max-phonemes');
  if (i < 0 || !argv[i + 1]) {
    process.stderr.write('usage: frontend.mjs --symbols symbols.json [--max-phonemes N]\n');
    process.exit(2);
  }
  const symbols = JSON.parse(readFileSync(argv[i + 1]!, 'utf8')) as string[];
  const defaultMax = m >= 0 ? Number(argv[m + 1]) : 128;
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let out: FrontendAnswer;
    try {
      out = answer(JSON.parse(line), symbols, defaultMax);
    } catch {
      out = { error: 'request is not valid JSON', fix: 'send one JSON object per line' };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  });
}

// Run as a program (the bundle, or `tsx src/serving/frontend-server.ts`), not when imported by tests.
if (process.argv[1] && /frontend(-server)?\.(mjs|ts|js)$/.test(process.argv[1])) main(process.argv.slice(2));
