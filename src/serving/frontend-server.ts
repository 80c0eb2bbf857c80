// The model's text frontend as a long-lived process for servers that are not Node (Triton's Python
// backend): `emovoice package` bundles this file, with every family's frontend and its dictionaries,
// into one dependency-free frontend.mjs. Protocol: one JSON object per line on stdin, one answer per line.
//   request:  {"text": "...", "language"?: "auto"|"en"|"zh"|…, "max_phonemes"?: N}
//   answer:   {"sentences": [{"text": "...", "ids": [..]}, ...], "warnings": ["..."]}
//             or {"error": "...", "fix"?: "..."} for text the frontend refuses (empty, a word too long).
// Which frontend, with which options and symbol table, comes from a JSON file named on the command line
// (`frontend.json`: the manifest's frontend section), so ids are the same as `emovoice synth` gives.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../core/errors.ts';
import { registry } from '../pipeline/registry.ts';
import type { Frontend } from '../pipeline/types.ts';

export interface FrontendRequest {
  text: string;
  language?: string;
  max_phonemes?: number;
}

export type FrontendAnswer =
  | { sentences: { text: string; ids: number[] }[]; warnings: string[] }
  | { error: string; fix?: string };

/** What `emovoice package` writes as frontend.json: the manifest's frontend section and its symbols. */
export interface FrontendFile {
  name: string;
  section: Record<string, unknown>;
  symbols: string[];
}

export async function openFrontend(file: string): Promise<Frontend> {
  const f = JSON.parse(readFileSync(file, 'utf8')) as FrontendFile;
  const def = registry.frontend(f.name);
  if (!def) throw new UserError(`unknown frontend "${f.name}"`, { place: { file }, hint: `this bundle has: ${registry.frontendNames().join(', ')}` });
  return def.create(f.section, f.symbols, { manifestPath: file, dir: dirname(file), audio: { sample_rate: 0 }, place: { file, path: 'section' } });
}

/** One request → one answer; never throws for bad input. */
export async function answer(req: unknown, frontend: Frontend, defaultMax: number): Promise<FrontendAnswer> {
  const r = req as Partial<FrontendRequest> | null;
  if (!r || typeof r.text !== 'string') return { error: 'request needs a "text" string', fix: 'send {"text": "..."}' };
  const max = r.max_phonemes ?? defaultMax;
  try {
    const fe = await frontend.toIds(r.text, { limit: max, language: r.language === 'auto' ? undefined : r.language });
    const warnings = fe.split ? [`text split into ${fe.split.parts} sentences to stay within ${max} phonemes (serving.max_text_len)`] : [];
    warnings.push(...fe.warnings);
    return { sentences: fe.sentences.map((s) => ({ text: s.text, ids: Array.from(s.ids) })), warnings: [...new Set(warnings)] };
  } catch (e) {
    if (e instanceof UserError) return { error: e.message, ...(e.hint ? { fix: e.hint } : {}) };
    return { error: `frontend failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--frontend');
  const m = argv.indexOf('--max-phonemes');
  if (i < 0 || !argv[i + 1]) {
    process.stderr.write('usage: frontend.mjs --frontend frontend.json [--max-phonemes N]\n');
    process.exit(2);
  }
  const frontend = await openFrontend(argv[i + 1]!);
  const defaultMax = m >= 0 ? Number(argv[m + 1]) : 128;
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // answers go out in request order: one line at a time
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    if (!line.trim()) return;
    chain = chain.then(async () => {
      let out: FrontendAnswer;
      try {
        out = await answer(JSON.parse(line), frontend, defaultMax);
      } catch {
        out = { error: 'request is not valid JSON', fix: 'send one JSON object per line' };
      }
      process.stdout.write(JSON.stringify(out) + '\n');
    });
  });
}

// Run as a program (the bundle, or `tsx src/serving/frontend-server.ts`), not when imported by tests.
if (process.argv[1] && /frontend(-server)?\.(mjs|ts|js)$/.test(process.argv[1])) await main(process.argv.slice(2));
