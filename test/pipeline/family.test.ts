// A model family that no TypeScript code knows, defined by its manifest alone (two ONNX modules and
// one host step, written by the test's own Python: test/fixtures/synthetic/make_family.py), run through
// synth, verify and calibrate; and the bundled tiny model through the new executor, bit for bit the
// audio the CLI wrote before the graph was declared (test/fixtures/golden/tiny/).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseWav } from '../../src/audio/wav.ts';
import { requireSetup } from '../support/setup.ts';
import { rmsOf } from './helpers.ts';
import { cliInProcess } from '../support/cli-inprocess.ts';

const ROOT = resolve(import.meta.dirname, '../..');
// the CLI's main() in this process (test/support/cli-inprocess.ts): the same code as `node bin/emovoice.js`
const cli = (args: string[], env: Record<string, string> = {}) => cliInProcess(args, { cwd: ROOT, env: { EMOVOICE_CACHE: join(tmpdir(), 'ev-cache-family-test'), ...env } });
const havePython = (await execa('python3', ['-c', 'import onnx, numpy'], { reject: false })).exitCode === 0;
const haveSpeech = existsSync(join(ROOT, 'calibration/speech')) && existsSync(join(ROOT, 'data/ref-alsa.wav'));
const why = (ok: boolean, what: string, step: string) => !requireSetup(what, step, ok);

describe.skipIf(why(havePython, 'python3 with onnx and numpy', 'bash scripts/setup.sh'))('a family defined by its manifest alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ev-toy-'));
  await execa('python3', [join(ROOT, 'test/fixtures/synthetic/make_family.py'), dir, join(ROOT, 'models/tiny/symbols.txt')]);
  const profile = join(dir, 'profile.yaml');

  it('synth: text through its encoder, a host step and its decoder to audio of frames × 16 samples', async () => {
    const r = await cli(['synth', 'Hello there, how are you?', '--profile', profile, '--out', join(dir, 'x.wav'), '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.family).toBe('toy');
    expect(j.stages.map((s: { stage: string }) => s.stage)).toEqual(['frontend', 'encoder', 'upsample', 'decoder']);
    const wav = parseWav(await readFile(join(dir, 'x.wav')));
    expect(wav.sampleRate).toBe(8000);
    expect(wav.samples.length).toBe(j.frames * 16);
    // every phoneme gets 2..6 frames (log-durations 1..2 by construction)
    expect(j.frames).toBeGreaterThanOrEqual(2 * j.phonemes);
    expect(j.frames).toBeLessThanOrEqual(6 * j.phonemes);
    expect(rmsOf(wav.samples)).toBeGreaterThan(0.05); // tanh of a projection: audible, not silence
    const bad = await cli(['synth', 'Hello', '--profile', profile, '--ref', join(ROOT, 'data/ref-alsa.wav'), '--out', join(dir, 'y.wav')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^error: \S+manifest\.yaml conditioning: --ref is not an input of this model \(family toy\) \(fix: this model takes: none \(this model takes text only\)\)$/);
  });

  it('verify: both modules against their numpy references', async () => {
    const r = await cli(['verify', '--profile', profile, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.cases.map((c: { module: string; case: string; pass: boolean }) => `${c.module}/${c.case} ${c.pass}`)).toEqual(['encoder/typical true', 'decoder/typical true']);
  });

  it.skipIf(why(haveSpeech, 'the real speech recordings', 'bash calibration/fetch-speech.sh'))('calibrate: the decoder’s real inputs come from running the encoder and the host step on real transcripts', async () => {
    const out = join(dir, 'cal');
    const r = await cli(['calibrate', 'decoder', '--profile', profile, '--samples', '4', '--heldout', '2', '--sensitivity', '1', '--out', out, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inputsFrom).toMatch(/graph run on real transcripts/);
    expect(j.calibration.inputs).toBe(4);
    expect(j.quality.snrDb).toBeGreaterThan(5); // a waveform output: SNR and LSD
    expect(j.quality.lsdDb).toBeGreaterThan(0);
    expect(existsSync(join(out, 'decoder.qdq.onnx'))).toBe(true);
  });
});

describe.skipIf(why(haveSpeech, 'data/ref-alsa.wav and the speech recordings', 'bash scripts/setup.sh'))('the bundled tiny model through the executor: the audio of the pre-graph pipeline, to the last bit but float rounding', () => {
  const GOLDEN = join(ROOT, 'test/fixtures/golden/tiny');
  const REF = join(ROOT, 'data/ref-alsa.wav');
  const cases: [string, string[]][] = [
    ['hello', ['Hello world, 你好世界', '--ref', REF]],
    ['happy', ['The weather is lovely today, 我们去公园散步吧。', '--ref', REF, '--emotion', 'happy']],
    ['emoref', ['Hello world, how are you?', '--ref', REF, '--emotion-ref', join(ROOT, 'calibration/speech/allison-agent-alreadyon.wav')]],
    ['split', ['The weather is lovely today. 我们去公园散步吧。 It is a fine day for a walk in the park, and then we shall have tea.', '--ref', REF, '--set', 'serving.max_text_len=40']],
  ];
  for (const [name, args] of cases) {
    it(`${name}.wav`, async () => {
      const out = join(await mkdtemp(join(tmpdir(), 'ev-golden-')), `${name}.wav`);
      // a fresh disk cache: the style encoder runs, as it did when the golden file was written
      const r = await cli(['synth', ...args, '--out', out], { EMOVOICE_CACHE: await mkdtemp(join(tmpdir(), 'ev-cache-')) });
      expect(r.exitCode, r.stderr).toBe(0);
      // the same audio as the golden: same header and length, every sample equal but for float rounding in
      // ONNX Runtime's CPU kernels (which vary with the CPU's instruction set): at most 1 LSB, in under 0.1 % of samples
      const got = await readFile(out);
      const want = await readFile(join(GOLDEN, `${name}.wav`));
      const [a, b] = [parseWav(got), parseWav(want)];
      expect(a.sampleRate).toBe(b.sampleRate);
      expect(a.samples.length).toBe(b.samples.length);
      let worst = 0;
      let differ = 0;
      for (let i = 0; i < a.samples.length; i++) {
        const d = Math.abs(Math.round(a.samples[i]! * 32768) - Math.round(b.samples[i]! * 32768));
        worst = Math.max(worst, d);
        if (d) differ++;
      }
      expect(worst).toBeLessThanOrEqual(1);
      expect(differ / a.samples.length).toBeLessThan(1e-3);
    });
  }
});
