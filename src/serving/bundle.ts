// Bundles the text frontend and host steps (src/serving/frontend-server.ts and everything it imports:
// every family's frontend and steps, normaliser, dictionaries) into one ES module for a server's model
// folder, with esbuild. Two things a family may use cannot go inside one file, and travel beside it:
// - data files it opens by `new URL('./relative/file', import.meta.url)` (a frontend's table): copied to
//   bundled/<path under the repository> and the URL rewritten to point there;
// - packages it loads at run time through `createRequire(import.meta.url)` (a native addon, e.g. a
//   prebuilt segmenter): copied with their installed dependencies to node_modules/ beside the bundle,
//   where Node's resolution from frontend.mjs finds them.
import { build, type Plugin } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleFile } from './pipeline-file.ts';

// the .ts source under tsx, the compiled .js in an installed package (dist/)
const ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './frontend-server.ts' : './frontend-server.js', import.meta.url));
const REPO = resolve(dirname(ENTRY), '../..');

export interface FrontendBundle {
  /** frontend.mjs */
  code: Uint8Array;
  /** Files and folders to put beside it (`to` relative to frontend.mjs's folder). */
  files: BundleFile[];
}

const ASSET_URL = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
const RUNTIME_REQUIRE = /\brequire\(\s*(['"])([^'"./][^'"]*)\1\s*\)/g;

/** The folder of package `name` as Node would find it from `from` (walking up node_modules folders). */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

const packageName = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/** A package and the dependencies it has installed (optional ones only where present, e.g. one platform's binary). */
function withDependencies(name: string, from: string, into: Map<string, string>): void {
  if (into.has(name)) return;
  const dir = packageDir(name, from);
  if (!dir) return;
  into.set(name, dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) withDependencies(dep, dir, into);
}

function sidecars(root: string, files: BundleFile[]): Plugin {
  return {
    name: 'emovoice-sidecars',
    setup(b) {
      const runtime = new Map<string, string>();
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (args.path.split(sep).includes('node_modules')) return undefined;
        let src = await readFile(args.path, 'utf8');
        const here = dirname(args.path);
        src = src.replace(ASSET_URL, (whole, _q: string, rel: string) => {
          const abs = resolve(here, rel);
          if (!existsSync(abs)) return whole; // not a file this build can ship: left as it was
          const inside = relative(root, abs);
          const to = ['bundled', ...(inside.startsWith('..') ? ['external', ...abs.split(sep).slice(-2)] : inside.split(sep))].join('/');
          if (!files.some((f) => f.to === to)) files.push({ from: abs, to });
          return `new URL(${JSON.stringify(`./${to}`)}, import.meta.url)`;
        });
        if (src.includes('createRequire(')) for (const m of src.matchAll(RUNTIME_REQUIRE)) withDependencies(packageName(m[2]!), here, runtime);
        return { contents: src, loader: args.path.endsWith('ts') ? 'ts' : 'js' };
      });
      b.onEnd(() => {
        for (const [name, dir] of runtime) if (!files.some((f) => f.from === dir)) files.push({ from: dir, to: `node_modules/${name}` });
      });
    },
  };
}

export async function bundleFrontend(entry = ENTRY, root = REPO): Promise<FrontendBundle> {
  const files: BundleFile[] = [];
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    write: false,
    logLevel: 'silent',
    plugins: [sidecars(root, files)],
    // CommonJS code inside (e.g. cross-spawn under execa) requires Node's built-ins; an ES module has no
    // `require` of its own, so the bundle makes one.
    banner: {
      js: [
        '// emovoice text frontend and host steps, bundled by `emovoice package` (see src/serving/frontend-server.ts)',
        "import { createRequire as __emovoiceCreateRequire } from 'node:module';",
        'const require = __emovoiceCreateRequire(import.meta.url);',
      ].join('\n'),
    },
  });
  return { code: r.outputFiles[0]!.contents, files };
}
