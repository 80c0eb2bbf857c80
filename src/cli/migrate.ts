// `emovoice migrate manifest.yaml [--check]`: rewrite an older model manifest (format 1) in format 2,
// in place, keeping the old file beside it (<name>.v1.yaml). The migrated data is checked exactly as a
// format-2 file is before anything is written; --check only says whether a file needs migrating.
import type { Command } from 'commander';
import { copyFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { UserError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { readYaml } from '../core/yaml.ts';
import { FORMAT, manifestFromData } from '../model/manifest.ts';
import { registry } from '../pipeline/registry.ts';
import { log } from './common.ts';

export function register(program: Command): void {
  program
    .command('migrate')
    .description(`rewrite an older model manifest in the current format (${FORMAT}); the old file is kept as <name>.v1.yaml`)
    .argument('<manifest>', 'a model manifest (manifest.yaml)')
    .option('--check', 'only say whether the file needs migrating (exit 1 if it does)')
    .action(async (file: string, opts: { check?: boolean }) => {
      const src = await readYaml(file);
      const data = src.data as Record<string, unknown> | null;
      const format = data && typeof data === 'object' ? data.format : undefined;
      if (format === FORMAT) {
        manifestFromData(data, src); // a current file must also be valid
        log(`${file} is already ${FORMAT}`);
        return;
      }
      const migrate = typeof format === 'string' ? registry.migration(format) : undefined;
      if (!migrate) {
        throw new UserError(`format ${JSON.stringify(format)} is not one emovoice can migrate`, { place: src.locate(['format']), hint: `known older formats: ${registry.migrationFormats().join(', ')}` });
      }
      const next = migrate(data!);
      manifestFromData(next, src); // refuse to write a manifest that would not load
      if (opts.check) {
        log(`${file} is ${format}: \`emovoice migrate ${file}\` rewrites it as ${FORMAT}`);
        process.exitCode = 1;
        return;
      }
      const backup = file.replace(/(\.ya?ml)?$/, '.v1.yaml');
      await copyFile(file, backup);
      await writeFileAtomic(file, `# Migrated from ${format} by emovoice migrate (the original: ${backup.split('/').pop()}); see docs/model-manifest.md\n${stringify(next, { lineWidth: 120 })}`);
      log(`wrote ${file} (${FORMAT}); the ${format} file is kept as ${backup}`);
    });
}
