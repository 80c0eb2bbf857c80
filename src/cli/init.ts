// `emovoice init [dir]`: a starting point for your own export — a build profile (emovoice.yaml) and a
// model manifest (manifest.yaml) written into a folder, the current one by default. Both start from
// what this emovoice ships (the bundled base profile, the bundled tiny model's manifest), so they are
// in the format this version reads; the header of each says what to change. Paths inside them are
// relative to the files, so the folder works from anywhere and can be moved or committed as it is.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { isMap, isScalar, parseDocument, visit, type Document } from 'yaml';
import { UserError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { BUNDLED_CONFIGS_DIR, DEFAULT_MODEL } from './common.ts';

export const PROFILE_FILE = 'emovoice.yaml';
export const MANIFEST_FILE = 'manifest.yaml';
const DATA_FILE = /^[\w./-]+\.(onnx|npz|npy|txt|json|bin|data)$/;

export interface InitOptions {
  name: string;
  backend: 'ort' | 'trt';
  /** Absolute path of profile.schema.json, for editors (yaml-language-server). */
  schema: string;
}

/** The file's own header instead of the one it was copied with (which may sit on the first key). */
function setHeader(doc: Document, lines: string[]): void {
  const map = doc.contents;
  if (isMap(map)) {
    map.commentBefore = undefined;
    const first = map.items[0]?.key;
    if (isScalar(first)) first.commentBefore = undefined;
  }
  doc.commentBefore = lines.map((l) => ` ${l}`).join('\n');
}

/** Sets keys in this order at the top of the mapping (a reader meets name, backend, model first). */
function setFirst(doc: Document, entries: [string, unknown][]): void {
  for (const [k] of entries) doc.delete(k);
  const map = doc.contents;
  if (!isMap(map)) throw new Error('the bundled YAML is not a mapping');
  map.items.unshift(...entries.map(([k, v]) => doc.createPair(k, v)));
}

const YAML_OUT = { lineWidth: 0, flowCollectionPadding: false } as const;

/** The starter profile: the bundled base profile, made concrete (not abstract) for the user's folder. */
export function starterProfile(baseYaml: string, o: InitOptions): string {
  const doc = parseDocument(baseYaml);
  doc.delete('abstract');
  doc.delete('extends');
  setFirst(doc, [
    ['name', o.name],
    ['description', `${o.name}: your own export (written by emovoice init)`],
    ['backend', o.backend],
    ['model', MANIFEST_FILE],
    ['output', 'engines'],
  ]);
  // ONNX Runtime runs the ONNX files as they are, in fp32 (as the bundled cpu profile does)
  if (o.backend === 'ort') doc.setIn(['defaults', 'precision'], 'fp32');
  setHeader(doc, [
    `yaml-language-server: $schema=${o.schema}`,
    `Build profile for ${o.name}, written by \`emovoice init\` from emovoice's bundled base profile.`,
    'Paths are relative to this file. Use it by path, e.g.',
    `  emovoice synth "Hello" --ref voice.wav --profile ./${PROFILE_FILE}`,
    'backend ort runs ONNX Runtime on the CPU (no build). For TensorRT set backend: trt and run',
    `  emovoice build --profile ./${PROFILE_FILE}    (engines, logs and build-manifest.json go to output:)`,
    'The shapes below are those of the bundled tiny model: set the fixed dims to your export\'s',
    '(`emovoice inspect FILE.onnx` prints each input), and the ranges to the lengths you serve.',
  ]);
  return doc.toString(YAML_OUT);
}

/** The starter manifest: the bundled tiny model's, renamed, without its seed and PyTorch reference cases. */
export function starterManifest(tinyManifest: string, o: Pick<InitOptions, 'name'>): { text: string; files: string[] } {
  const doc = parseDocument(tinyManifest);
  if (doc.has('name')) doc.set('name', o.name);
  if (doc.has('config')) doc.set('config', 'custom');
  doc.delete('seed');
  // reference outputs come from your PyTorch model (docs/model-manifest.md says how); until then verify has no cases
  doc.delete('references');
  setHeader(doc, [
    `Model manifest for ${o.name}, written by \`emovoice init\`; its fields are described in`,
    "docs/model-manifest.md of the emovoice package. It starts as a copy of the bundled tiny model's:",
    "put your export's files next to this one under the names it gives (or change the names), then make",
    "every field describe your model: audio, frontend and symbols, conditioning, each module's dims",
    '(`emovoice inspect FILE.onnx` prints a file\'s inputs and outputs).',
  ]);
  // every value that names a data file (modules' ONNX files, the symbol list, the emotion table, ...),
  // found by its extension so that it holds for any manifest format the bundled model is written in
  const files: string[] = [];
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && DATA_FILE.test(node.value) && !files.includes(node.value)) files.push(node.value);
    },
  });
  return { text: doc.toString(YAML_OUT), files };
}

export function register(program: Command): void {
  program
    .command('init')
    .description('write a starter build profile and model manifest for your own export into a folder')
    .argument('[dir]', 'the folder (created if needed)', '.')
    .option('--name <name>', 'the model and profile name (default: the folder name)')
    .option('--backend <ort|trt>', 'ort: ONNX Runtime on the CPU; trt: TensorRT engines via trtexec', 'ort')
    .option('--force', `overwrite an existing ${PROFILE_FILE} or ${MANIFEST_FILE}`)
    .action(async (dirArg: string, opts: { name?: string; backend: string; force?: boolean }) => {
      if (opts.backend !== 'ort' && opts.backend !== 'trt') {
        throw new UserError(`--backend: unknown backend "${opts.backend}"`, { hint: 'use ort or trt' });
      }
      const dir = resolve(dirArg);
      const profileFile = join(dir, PROFILE_FILE);
      const manifestFile = join(dir, MANIFEST_FILE);
      // check both before writing either: init writes both files or neither
      for (const f of [profileFile, manifestFile]) {
        if (existsSync(f) && !opts.force) throw new UserError('already exists; init does not overwrite it', { place: { file: f }, hint: 'pass --force to overwrite it, or give another folder' });
      }
      const name = opts.name ?? (basename(dir) || 'my-voice');
      const o: InitOptions = { name, backend: opts.backend, schema: join(BUNDLED_CONFIGS_DIR, 'profile.schema.json') };
      const profile = starterProfile(await readFile(join(BUNDLED_CONFIGS_DIR, 'base.yaml'), 'utf8'), o);
      const manifest = starterManifest(await readFile(DEFAULT_MODEL, 'utf8'), o);
      await writeFileAtomic(manifestFile, manifest.text);
      await writeFileAtomic(profileFile, profile);
      const missing = manifest.files.filter((f) => !existsSync(resolve(dir, f)));
      const out = [
        `wrote ${profileFile} (build profile, backend ${opts.backend})`,
        `wrote ${manifestFile} (model manifest, from the bundled tiny model's)`,
        ...(missing.length ? [`not here yet: ${missing.join(', ')} (put your export's files beside ${MANIFEST_FILE}, or change the names in it)`] : []),
        `next: emovoice synth "Hello" --ref voice.wav --profile ${dirArg === '.' ? `./${PROFILE_FILE}` : join(dirArg, PROFILE_FILE)}`,
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
}
