// The imported Piper voice with its streaming declaration. The importer writes `streaming:` (flow and
// vocoder, cut along frames); a voice imported before it did gets the same declaration in a copy of its
// manifest beside links to its files (the shared models/joe is never modified), until set-up re-imports it.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PIPER_MANIFEST } from './piper-voice.ts';

export const PIPER_STREAMING = 'streaming:\n  dim: frames\n  stages: [flow, vocoder]\n';

export async function streamingPiperManifest(): Promise<string> {
  const text = await readFile(PIPER_MANIFEST, 'utf8');
  if (/^streaming:/m.test(text)) return PIPER_MANIFEST;
  const src = resolve(PIPER_MANIFEST, '..');
  const dir = await mkdtemp(join(tmpdir(), 'emovoice-joe-stream-'));
  for (const f of await readdir(src)) if (f !== 'manifest.yaml') await symlink(join(src, f), join(dir, f));
  // baseline.cwd is relative to the manifest: point it at the same folder from the copy
  const fixed = text.replace(/^baseline: \{python: (\S+), cwd: ([^}]+)\}$/m, (_, py, cwd) => `baseline: {python: ${py}, cwd: ${resolve(src, cwd.trim())}}`);
  await writeFile(join(dir, 'manifest.yaml'), `${fixed}${PIPER_STREAMING}`);
  if (!existsSync(join(dir, 'flow.onnx'))) throw new Error(`no flow.onnx in ${src}`);
  return join(dir, 'manifest.yaml');
}
