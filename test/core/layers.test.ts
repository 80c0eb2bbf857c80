// The layering rule of STYLE.md: src/cli/ depends on everything and nothing depends on src/cli/. Every
// file under src/ outside src/cli/ is parsed (TypeScript's own pre-processor: static imports, re-exports,
// `import type` and dynamic `import()`), and each relative import is resolved to the file it names.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const CLI = join(SRC, 'cli');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|mts|mjs|js)$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** The files under src/ that `file` imports, relative ones resolved (packages left out). */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
}

const inCli = (path: string) => path === CLI || path.startsWith(CLI + sep);

describe('nothing outside src/cli/ imports from src/cli/', () => {
  it('the import scan sees static, type-only, re-exported and dynamic imports', () => {
    const f = join(SRC, 'synth', 'x.ts');
    const text = [
      "import { a } from '../cli/common.ts';",
      "import type { B } from '../cli/convert.ts';",
      "export { c } from '../cli/main.ts';",
      "const d = await import('../cli/build.ts');",
      "import { e } from '../core/errors.ts';",
      "import { f } from 'commander';",
    ].join('\n');
    expect(importsOf(f, text).map((p) => relative(SRC, p)).filter((p) => inCli(join(SRC, p)))).toEqual(['cli/common.ts', 'cli/convert.ts', 'cli/main.ts', 'cli/build.ts']);
  });

  it('holds for every file under src/', () => {
    const files = sourceFiles(SRC).filter((f) => !inCli(f));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((f) => importsOf(f).filter(inCli).map((to) => `${relative(ROOT, f)} → ${relative(ROOT, to)}`));
    expect(offenders).toEqual([]);
  });
});
