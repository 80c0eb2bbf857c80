// `emovoice init`: the starter profile and manifest a user gets for their own export, and that they
// work from their own folder (paths relative to the files, not to the repository or the shell).
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadProfile } from '../../src/profile/load.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TINY = join(ROOT, 'models/tiny');
const REF = join(ROOT, 'data/ref-alsa.wav');
let base: string;

/** The CLI's main() in this process (test/support/cli-inprocess.ts), run in `cwd` as a user's shell would. */
async function cli(args: string[], cwd: string) {
  const r = await cliInProcess(args, { cwd, env: { TRTEXEC: '', EMOVOICE_CACHE: join(base, 'cache') } });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

/** A folder as a user has it after exporting: the tiny model's files (ONNX, symbols, emotion table), no manifest. */
async function exportFolder(name: string): Promise<string> {
  const dir = join(base, name);
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(TINY, { withFileTypes: true })) if (f.isFile() && f.name !== 'manifest.yaml') await copyFile(join(TINY, f.name), join(dir, f.name));
  return dir;
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ev-init-'));
});

describe('emovoice init', () => {
  it('writes a profile and a manifest that load, with paths relative to the folder', async () => {
    const dir = await exportFolder('voice-a');
    const r = await cli(['init'], dir);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('not here yet');
    const loaded = await loadProfile(join(dir, 'emovoice.yaml'), { configsDir: join(ROOT, 'configs') });
    expect(loaded.profile).toMatchObject({ name: 'voice-a', backend: 'ort', model: join(dir, 'manifest.yaml'), output: join(dir, 'engines') });
    expect(loaded.profile.abstract).toBeUndefined();
    const manifest = await loadModelManifest(join(dir, 'manifest.yaml'));
    expect(manifest.name).toBe('voice-a');
    expect(manifest.references.cases).toEqual([]);
    expect(manifest.modules.vocoder!.file).toBe(join(dir, 'vocoder.onnx'));
  });

  it('names the files the manifest expects that are not there yet', async () => {
    const dir = join(base, 'empty');
    const r = await cli(['init', dir, '--name', 'mine'], base);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/not here yet: .*text_encoder\.onnx/);
    expect(r.out).toContain(`--profile ${join(dir, 'emovoice.yaml')}`);
    expect(await readFile(join(dir, 'emovoice.yaml'), 'utf8')).toMatch(/^name: mine$/m);
  });

  it('never overwrites without --force, and writes nothing when it refuses', async () => {
    const dir = join(base, 'taken');
    await mkdir(dir);
    await writeFile(join(dir, 'manifest.yaml'), 'mine\n');
    const r = await cli(['init'], dir);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`error: ${join(dir, 'manifest.yaml')} already exists; init does not overwrite it (fix: pass --force to overwrite it, or give another folder)`);
    expect(existsSync(join(dir, 'emovoice.yaml'))).toBe(false);
    expect(await readFile(join(dir, 'manifest.yaml'), 'utf8')).toBe('mine\n');
    expect((await cli(['init', '--force'], dir)).code).toBe(0);
    expect(await readFile(join(dir, 'manifest.yaml'), 'utf8')).toContain('format:');
  });

  it('--backend trt: build --dry-run plans engines beside the profile, run from anywhere', async () => {
    const dir = await exportFolder('voice-trt');
    expect((await cli(['init', '--backend', 'trt'], dir)).code).toBe(0);
    const r = await cli(['build', '--profile', join(dir, 'emovoice.yaml'), '--dry-run', '--module', 'vocoder', '--json'], tmpdir());
    expect(r.code).toBe(0);
    const argv: string[] = JSON.parse(r.out).commands[0].argv;
    // the ONNX it builds (the export, or its strongly typed conversion under output:) and the engine
    const onnx = argv.find((a) => a.startsWith('--onnx='))!.slice('--onnx='.length);
    expect([join(dir, 'vocoder.onnx'), join(dir, 'engines/converted/vocoder.fp16.onnx')]).toContain(onnx);
    expect(argv).toContain(`--saveEngine=${join(dir, 'engines/vocoder.engine')}`);
    const bad = await cli(['init', '--backend', 'cuda'], base);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error: --backend: unknown backend "cuda" \(fix: use ort or trt\)$/);
  });

  it.skipIf(!existsSync(REF))('synth runs on the starter profile from another folder', async () => {
    const dir = await exportFolder('voice-b');
    expect((await cli(['init'], dir)).code).toBe(0);
    const elsewhere = join(base, 'elsewhere');
    await mkdir(elsewhere);
    const r = await cli(['synth', 'Hello', '--ref', REF, '--profile', join(dir, 'emovoice.yaml'), '--out', 'hi.wav', '--json'], elsewhere);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).out).toBe(join(elsewhere, 'hi.wav'));
    expect(existsSync(join(elsewhere, 'hi.wav'))).toBe(true);
  });
  if (!existsSync(REF)) {
    if (process.env.CI) throw new Error(`${REF} is missing: run scripts/setup.sh before the tests`);
    console.warn(`init.test: the synth case is skipped, ${REF} is missing (scripts/setup.sh makes it)`);
  }
});
