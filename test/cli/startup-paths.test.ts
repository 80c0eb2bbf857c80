// Where the CLI looks for things, from any working folder: profile names through --config-dir,
// $EMOVOICE_HOME/configs or the bundled configs/; the embedding cache under $EMOVOICE_HOME.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BUNDLED_CONFIGS_DIR, configsDirFrom, embeddingCacheFrom } from '../../src/cli/common.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/emovoice.js');
const REF = join(ROOT, 'data/ref-alsa.wav');
let base: string;
let profiles: string;

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const r = await execa('node', [BIN, ...args], { cwd: base, reject: false, env: { TRTEXEC: '', EMOVOICE_HOME: undefined, EMOVOICE_CACHE: undefined, ...env } });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ev-paths-'));
  // a profile folder of the user's: a starter profile (emovoice init) renamed, and the model beside it
  profiles = join(base, 'home', 'configs');
  await mkdir(profiles, { recursive: true });
  const init = await cli(['init', join(base, 'model'), '--name', 'mine', '--backend', 'trt']);
  expect(init.code).toBe(0);
  await copyFile(join(base, 'model', 'emovoice.yaml'), join(profiles, 'mine.yaml'));
  for (const f of await readdir(join(ROOT, 'models/tiny'), { withFileTypes: true })) {
    if (f.isFile() && f.name !== 'manifest.yaml') await copyFile(join(ROOT, 'models/tiny', f.name), join(base, 'model', f.name));
  }
});

describe('the profile folder', () => {
  it('is --config-dir, else $EMOVOICE_HOME/configs when it exists, else the bundled one', () => {
    expect(configsDirFrom({ EMOVOICE_HOME: join(base, 'home') }, '/x/y')).toBe('/x/y');
    expect(configsDirFrom({ EMOVOICE_HOME: join(base, 'home') })).toBe(profiles);
    expect(configsDirFrom({ EMOVOICE_HOME: join(base, 'nowhere') })).toBe(BUNDLED_CONFIGS_DIR);
    expect(configsDirFrom({})).toBe(BUNDLED_CONFIGS_DIR);
    expect(existsSync(join(BUNDLED_CONFIGS_DIR, 'cpu.yaml'))).toBe(true);
  });

  it('--config-dir finds a profile by name, before or after the command', async () => {
    // mine.yaml was copied away from the model: its model: path no longer resolves, which shows the
    // profile was found and read (paths in a profile are relative to the profile's file)
    for (const args of [['--config-dir', profiles, 'build', '--profile', 'mine', '--dry-run'], ['build', '--profile', 'mine', '--dry-run', '--config-dir', profiles]]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toContain(join(profiles, 'manifest.yaml'));
    }
    const missing = await cli(['--config-dir', join(base, 'nope'), 'doctor']);
    expect(missing.code).toBe(2);
    expect(missing.err.trim()).toBe(`error: ${join(base, 'nope')} --config-dir: no such folder (fix: give the folder that holds your profiles (*.yaml))`);
  });

  it('EMOVOICE_HOME: its configs/ holds the profile names; the bundled ones are used without it', async () => {
    const inHome = await cli(['build', '--profile', 'mine', '--dry-run'], { EMOVOICE_HOME: join(base, 'home') });
    expect(inHome.err).toContain(join(profiles, 'manifest.yaml'));
    const bundled = await cli(['build', '--profile', 'a10g-fp16', '--dry-run', '--module', 'vocoder', '--json'], { EMOVOICE_HOME: join(base, 'nowhere') });
    expect(bundled.code).toBe(0);
    expect(JSON.parse(bundled.out).commands[0].engine).toBe(join(ROOT, 'out/a10g-fp16/vocoder.engine'));
  });

  it('a profile given by path is read relative to the working folder, whatever the profile folder', async () => {
    const r = await cli(['--config-dir', profiles, 'build', '--profile', 'model/emovoice.yaml', '--dry-run', '--module', 'vocoder', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).commands[0].engine).toBe(join(base, 'model/engines/vocoder.engine'));
  });
});

describe('the embedding cache', () => {
  it('is $EMOVOICE_CACHE, else under $EMOVOICE_HOME, else the cache module decides', () => {
    expect(embeddingCacheFrom({ EMOVOICE_CACHE: '/c', EMOVOICE_HOME: '/h' })).toBe('/c');
    expect(embeddingCacheFrom({ EMOVOICE_HOME: '/h' })).toBe('/h/cache/embeddings');
    expect(embeddingCacheFrom({})).toBeUndefined();
  });

  it.skipIf(!existsSync(REF))('synth keeps the voice embeddings under $EMOVOICE_HOME', async () => {
    const home = join(base, 'home2');
    const r = await cli(['synth', 'Hi', '--ref', REF, '--out', join(base, 'hi.wav')], { EMOVOICE_HOME: home });
    expect(r.code).toBe(0);
    expect((await readdir(join(home, 'cache', 'embeddings'))).filter((f) => f.endsWith('.npz'))).toHaveLength(1);
  });
  if (!existsSync(REF)) {
    if (process.env.CI) throw new Error(`${REF} is missing: run scripts/setup.sh before the tests`);
    console.warn(`startup-paths.test: the synth case is skipped, ${REF} is missing (scripts/setup.sh makes it)`);
  }
});
