// `emovoice models [--json]`: the models this installation knows — the bundled ones and those the
// profiles name — with family, modules, the conditioning a request may bring, sizes, and the profiles
// that use each; and the frontends and host steps the families register.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { escapeControls } from '../core/terminal.ts';
import { loadModelManifest, moduleOrder } from '../model/manifest.ts';
import { registry } from '../pipeline/registry.ts';
import { loadProfile } from '../profile/load.ts';
import { CONFIGS_DIR, ROOT } from './common.ts';

interface ModelRow {
  manifest: string;
  name: string;
  family: string;
  format: number;
  modules: { name: string; file: string; mb: number; engine: boolean }[];
  conditioning: { flag: string; kind: string; required: boolean; values?: string[] }[];
  frontend: string;
  mb: number;
  profiles: string[];
  error?: string;
}

export function register(program: Command): void {
  program
    .command('models')
    .description('the bundled and configured models: family, modules, conditioning inputs, sizes, and the profiles that use them')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      // profiles → the manifests they name
      const users = new Map<string, string[]>();
      const files = existsSync(CONFIGS_DIR) ? (await readdir(CONFIGS_DIR)).filter((f) => f.endsWith('.yaml')).sort() : [];
      // a profile that cannot be read is listed with its error, not dropped
      const profileErrors: { profile: string; error: string }[] = [];
      for (const f of files) {
        const loaded = await loadProfile(join(CONFIGS_DIR, f), { configsDir: CONFIGS_DIR }).catch((e) => {
          profileErrors.push({ profile: join(CONFIGS_DIR, f), error: e instanceof UserError ? e.format() : String(e) });
          return null;
        });
        if (!loaded || loaded.profile.abstract) continue;
        const list = users.get(loaded.profile.model) ?? [];
        list.push(loaded.profile.name);
        users.set(loaded.profile.model, list);
      }
      // bundled models (models/*/manifest.yaml) and every manifest a profile names
      const bundled = existsSync(join(ROOT, 'models'))
        ? (await readdir(join(ROOT, 'models'))).map((d) => join(ROOT, 'models', d, 'manifest.yaml')).filter((p) => existsSync(p))
        : [];
      const paths = [...new Set([...bundled, ...users.keys()].map((p) => resolve(p)))].sort();
      const rows: ModelRow[] = [];
      for (const path of paths) {
        const profiles = users.get(path) ?? [];
        if (!existsSync(path)) {
          rows.push({ manifest: path, name: '', family: '', format: 0, modules: [], conditioning: [], frontend: '', mb: 0, profiles, error: 'not installed (the profile names it; run its set-up or import step)' });
          continue;
        }
        try {
          const m = await loadModelManifest(path);
          const modules = await Promise.all(moduleOrder(m).map(async (name) => ({ name, file: m.modules[name]!.file, mb: (await stat(m.modules[name]!.file)).size / 1e6, engine: m.modules[name]!.engine })));
          rows.push({
            manifest: path,
            name: m.name,
            family: m.family,
            format: m.sourceFormat,
            modules,
            conditioning: Object.values(m.conditioning).map((c) => ({ flag: `--${c.flag}`, kind: c.kind, required: c.required, ...(c.labels && { values: c.labels }) })),
            frontend: m.frontend.name,
            mb: modules.reduce((a, x) => a + x.mb, 0),
            profiles,
          });
        } catch (e) {
          rows.push({ manifest: path, name: '', family: '', format: 0, modules: [], conditioning: [], frontend: '', mb: 0, profiles, error: e instanceof UserError ? e.format() : String(e) });
        }
      }
      const known = registry.describe();
      if (opts.json) {
        process.stdout.write(JSON.stringify({ models: rows, profileErrors, families: [...registry.families.values()].map((f) => ({ name: f.name, description: f.description })), ...known }, null, 2) + '\n');
        return;
      }
      const rel = (p: string) => (p.startsWith(ROOT) ? relative(process.cwd(), p) || p : p);
      const out: string[] = [];
      for (const r of rows) {
        out.push(`${rel(r.manifest)}${r.name ? `  ${r.name}` : ''}${r.family ? `  (family ${r.family}${r.format === 1 ? ', format 1: `emovoice migrate` rewrites it' : ''})` : ''}`);
        if (r.error) {
          out.push(`  ${r.error}`);
        } else {
          out.push(`  modules      ${r.modules.map((x) => `${x.name} ${x.mb.toFixed(1)} MB${x.engine ? '' : ' (CPU only)'}`).join(', ')}  — ${r.mb.toFixed(1)} MB`);
          out.push(`  frontend     ${r.frontend}`);
          out.push(`  conditioning ${r.conditioning.map((c) => `${c.flag} (${c.kind}${c.required ? ', required' : ''}${c.values ? `: ${c.values.join('|')}` : ''})`).join(', ') || 'none (text only)'}`);
        }
        out.push(`  profiles     ${r.profiles.join(', ') || '-'}`);
        out.push('');
      }
      if (profileErrors.length) out.push(`profiles that cannot be read (${profileErrors.length}):`, ...profileErrors.map((p) => `  ${escapeControls(p.error.split("\n")[0]!)}`), '');
      out.push(`families: ${[...registry.families.keys()].join(', ')}; frontends: ${known.frontends.map((f) => f.name).join(', ')}; host steps: ${known.steps.map((s) => s.name).join(', ')}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
