#!/usr/bin/env node
// `npm run build`: compile src/ into dist/ for the published package (run by `prepack`, so `npm pack`,
// `npm publish` and installs from git always ship fresh JavaScript; a clone needs no build, since
// bin/emovoice.js runs the sources through tsx). tsc does the compiling
// (tsconfig.build.json: same file layout, .ts import specifiers rewritten to .js, source maps, type
// declarations); this script only clears dist/ first, so a renamed source leaves no stale module
// behind, and copies the files that are not TypeScript but that src/ opens at run time beside the
// modules that open them (onnx.proto, the ONNX Runtime worker, the Triton orchestrator, ...).
// Plain JavaScript so that it needs nothing but the typescript devDependency.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write(`error: tsconfig.build.json: tsc failed (exit ${r.status ?? r.signal}) (fix: the type errors above; npm run typecheck shows them too)\n`);
  process.exit(r.status || 1);
}

let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts') || entry.name.endsWith('.pyc')) continue;
  const from = join(entry.parentPath, entry.name);
  const to = join(dist, relative(src, from));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  copied++;
}
// Type declarations are for the library entry: package.json "exports" lets a user import
// dist/index.js only, so a .d.ts that index.d.ts does not reach is of no use to anyone; drop it.
const reached = new Set();
const pending = [join(dist, 'index.d.ts')];
while (pending.length) {
  const file = pending.pop();
  if (reached.has(file)) continue;
  reached.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    pending.push(resolve(dirname(file), spec.replace(/\.(ts|js)$/, '.d.ts')));
  }
}
let dropped = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath, entry.name);
  if (entry.isFile() && entry.name.endsWith('.d.ts') && !reached.has(file)) {
    rmSync(file);
    dropped++;
  }
}
process.stderr.write(`[build] dist/ written (tsc; ${copied} run-time file(s) copied from src/; ${reached.size} declaration file(s) kept for the library entry, ${dropped} internal one(s) dropped)\n`);
