// Bundles the text frontend (src/serving/frontend-server.ts and everything it imports: normaliser,
// CMUdict, pinyin-pro) into one dependency-free ES module for a server's model folder, with esbuild.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

// the .ts source under tsx, the compiled .js in an installed package (dist/)
const ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './frontend-server.ts' : './frontend-server.js', import.meta.url));

export async function bundleFrontend(): Promise<Uint8Array> {
  const r = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    write: false,
    logLevel: 'silent',
    banner: { js: '// emovoice text frontend, bundled by `emovoice package` (see src/serving/frontend-server.ts)' },
  });
  return r.outputFiles[0]!.contents;
}
