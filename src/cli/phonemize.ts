// `emovoice phonemize "text" --profile P [--json]`: what the model's own frontend makes of a text —
// sentences, tokens and ids, the normalised text and warnings for what it could not read. The command
// a user reaches for when a word sounds wrong. Runs no model.
import type { Command } from 'commander';
import { UserError } from '../core/errors.ts';
import { openModel } from '../pipeline/model.ts';
import { loadProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import { CONFIGS_DIR, collect, log } from './common.ts';

interface Opts {
  profile: string;
  language?: string;
  json?: boolean;
  set?: string[];
}

export function register(program: Command): void {
  program
    .command('phonemize')
    .description("the model frontend's tokens and ids for a text (sentences as served), with warnings for what it cannot read")
    .argument('<text>', 'text to phonemize')
    .option('--profile <name|path>', 'profile naming the model', 'cpu')
    .option('--language <lang>', 'language hint, where the frontend takes one (auto, en, zh …)')
    .option('--set <key=value>', 'override a profile value, e.g. model=path/to/manifest.yaml (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(async (text: string, opts: Opts) => {
      if (!text.trim()) throw new UserError('the text is empty', { hint: 'give something to phonemize, e.g. emovoice phonemize "Hello world"' });
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      const manifest = await loadProfileModel(loaded);
      const model = await openModel(manifest, loaded.profile.serving);
      try {
        const fe = await model.frontend.toIds(text, { limit: model.maxTextLen, language: opts.language });
        const report = {
          model: manifest.path,
          family: manifest.family,
          frontend: manifest.frontend.name,
          limit: model.maxTextLen,
          normalized: fe.normalized,
          split: fe.split,
          sentences: fe.sentences.map((s) => ({ text: s.text, tokens: s.tokens, ids: [...s.ids] })),
          warnings: fe.warnings,
          words: fe.words,
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
          return;
        }
        for (const w of fe.warnings) log(`warning: ${w}`);
        const lines = [`${manifest.family} frontend "${manifest.frontend.name}" (${manifest.path})`];
        if (fe.normalized !== undefined && fe.normalized !== text) lines.push(`normalized: ${fe.normalized}`);
        if (fe.split) lines.push(`split into ${fe.split.parts} sentences of at most ${fe.split.limit} ids (the text is ${fe.split.phonemes})`);
        fe.sentences.forEach((s, i) => {
          lines.push(`sentence ${i + 1} (${s.ids.length} ids): ${s.text}`, `  tokens ${s.tokens.join(' ')}`, `  ids    ${[...s.ids].join(' ')}`);
        });
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        await model.close();
      }
    });
}
