// The published package, installed as a user installs it: scripts/pack-test.sh packs the tarball,
// installs it with `npm install -g` into a temporary prefix and runs it from a folder outside the
// repository; this test then checks what came out. Slow (a build, an install): about a minute.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWav } from '../../src/audio/wav.ts';
import { COMMANDS } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const REF = join(ROOT, 'data/ref-alsa.wav');
const ready = existsSync(REF);
if (!ready && process.env.CI) throw new Error(`${REF} is missing: run scripts/setup.sh (it makes the reference voice) before the tests`);
if (!ready) console.warn(`package.test: skipped, ${REF} is missing (scripts/setup.sh makes it)`);

let out: string;
const json = async (f: string) => JSON.parse(await readFile(join(out, f), 'utf8'));

describe.skipIf(!ready)('the packed tarball, installed outside the repository', () => {
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'ev-pack-'));
    const r = await execa('bash', [join(ROOT, 'scripts/pack-test.sh'), out], { cwd: tmpdir(), reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`scripts/pack-test.sh failed (exit ${r.exitCode}):\n${r.all}`);
  }, 900_000);

  it('ships the compiled CLI and what it opens at run time, and no sources, tests or fixtures', async () => {
    const [pack] = await json('pack.json');
    const files: string[] = pack.files.map((f: { path: string }) => f.path);
    for (const f of [
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js.map',
      'dist/model/onnx.proto',
      'dist/runtime/ort-thread-worker.mjs',
      'dist/serving/orchestrator.py',
      'configs/profile.schema.json',
      'configs/cpu.yaml',
      'models/tiny/manifest.yaml',
      'models/tiny/vocoder.onnx',
      'reference/emovoice_ref/export.py',
      'docs/model-manifest.md',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(src|test|bench|scripts|calibration|bin|out|data|reference\/tests)\//.test(f) || /__pycache__|\.pyc$/.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin.emovoice).toBe('dist/cli/main.js');
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(pkg.dependencies.tsx).toBeUndefined();
  });

  it('--help lists every command; --version is the package version', async () => {
    const help = await readFile(join(out, 'help.txt'), 'utf8');
    for (const c of COMMANDS) expect(help).toMatch(new RegExp(`^  ${c.name} `, 'm'));
    expect((await readFile(join(out, 'version.txt'), 'utf8')).trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('doctor lints the bundled profiles from the installed package, not from the repository', async () => {
    const doctor = await json('doctor.json');
    expect(doctor.onnxruntimeNode).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(doctor.profiles)).toContain('cpu.yaml');
    expect(doctor.profiles['cpu.yaml'].problems).toEqual([]);
    expect(JSON.stringify(doctor)).not.toContain(ROOT);
  });

  it('synth speaks with the bundled tiny model into the working folder', async () => {
    const synth = await json('synth.json');
    expect(synth.backend).toBe('ort');
    expect(synth.phonemes).toBe(21);
    expect(synth.out.startsWith(ROOT)).toBe(false);
    const wav = parseWav(await readFile(join(out, 'hello.wav')));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.samples.length / wav.sampleRate).toBeCloseTo(synth.audioSeconds, 2);
    let energy = 0;
    for (const s of wav.samples) energy += s * s;
    expect(Math.sqrt(energy / wav.samples.length)).toBeGreaterThan(1e-3);
  });

  it('init writes a profile and manifest that synth runs from their own folder', async () => {
    const init = await readFile(join(out, 'init.txt'), 'utf8');
    expect(init).toMatch(/wrote .*my-voice\/emovoice\.yaml/);
    const profile = await readFile(join(out, 'emovoice.yaml'), 'utf8');
    expect(profile).toMatch(/^name: my-voice$/m);
    expect(profile).toMatch(/^model: manifest\.yaml$/m);
    const synth = await json('init-synth.json');
    expect(synth.out).toMatch(/my-voice\/mine\.wav$/);
    expect(synth.audioSeconds).toBeGreaterThan(0.1);
  });

  it('the bash completion completes command names; the library entry plans a build', async () => {
    expect((await readFile(join(out, 'completion-words.txt'), 'utf8')).trim()).toBe('synth');
    expect(await json('library.json')).toEqual({ profile: 'a10g-fp16', modules: ['text_encoder', 'style_encoder', 'acoustic_encoder', 'acoustic_decoder', 'vocoder'], wrong: 'string' });
  });
});
