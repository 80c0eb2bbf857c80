// Calibration outputs keyed by model and module, found by a profile that names none, refused when stale
// (src/calibrate/store.ts). The pure naming and lookup first; then the real flow on the bundled tiny
// model: `calibrate vocoder --profile cpu` in a working folder, then `synth --set
// modules.vocoder.precision=int8` there finds it and says which file it ran; a model whose vocoder changed
// since is refused in one line; a folder without a calibration is one line naming the command.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrationFiles, calibrationFolder, findCalibration, modelFolderName, recordFor, type CalibrationRecord } from '../../src/calibrate/store.ts';
import { sha256File } from '../../src/core/files.ts';
import { readWav } from '../../src/audio/io.ts';
import { cliIn, tinyCalibration } from '../support/calibrations.ts';
import { requireSpeech, ROOT } from '../support/setup.ts';
import { expectSameBytes } from '../support/bytes.ts';

describe('where calibrations live (pure)', () => {
  it('one folder per model, one set of files per module', () => {
    expect(calibrationFolder('piper-en_US-joe-medium')).toBe(join('calibration', 'out', 'piper-en_US-joe-medium'));
    expect(calibrationFolder('emovoice-ref-tiny', '/x')).toBe(join('/x', 'emovoice-ref-tiny'));
    expect(modelFolderName('my model/v2')).toBe('my_model_v2');
    expect(modelFolderName('..')).toBe('_');
    expect(modelFolderName('')).toBe('_');
    expect(calibrationFiles('/c/m', 'vocoder')).toEqual({ cache: join('/c/m', 'vocoder.calib'), qdqModel: join('/c/m', 'vocoder.qdq.onnx'), quality: join('/c/m', 'vocoder.quality.json'), record: join('/c/m', 'vocoder.calibration.json') });
    expect(recordFor(join('/c/m', 'vocoder.qdq.onnx'))).toBe(join('/c/m', 'vocoder.calibration.json'));
  });

  it('a profile finds the Q/DQ model made for its model and module, and no other', () => {
    const made = new Set([join('/c', 'emovoice-ref-tiny', 'vocoder.qdq.onnx')]);
    const exists = (p: string) => made.has(p);
    expect(findCalibration('emovoice-ref-tiny', 'vocoder', '/c', exists)).toEqual({ qdqModel: join('/c', 'emovoice-ref-tiny', 'vocoder.qdq.onnx'), cache: join('/c', 'emovoice-ref-tiny', 'vocoder.calib') });
    expect(findCalibration('piper-en_US-joe-medium', 'vocoder', '/c', exists)).toBeNull();
    expect(findCalibration('emovoice-ref-tiny', 'acoustic_decoder', '/c', exists)).toBeNull();
  });
});

const haveSpeech = requireSpeech();
const REF = join(ROOT, 'data/ref-alsa.wav');

describe.skipIf(!haveSpeech)('calibrate, then synth at INT8 without naming the calibration (tiny model)', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    for (const d of scratch) await rm(d, { recursive: true, force: true });
  });

  it('synth finds calibration/out/emovoice-ref-tiny/vocoder.qdq.onnx in its working folder, says so, and runs it', async () => {
    const work = await tinyCalibration();
    const record = JSON.parse(await readFile(join(work, 'calibration/out/emovoice-ref-tiny/vocoder.calibration.json'), 'utf8')) as CalibrationRecord;
    expect(record).toMatchObject({ format: 'emovoice-calibration/1', model: 'emovoice-ref-tiny', module: 'vocoder', onnxSha256: await sha256File(join(ROOT, 'models/tiny/vocoder.onnx')) });
    const out = await mkdtemp(join(tmpdir(), 'ev-found-'));
    scratch.push(out);
    const r = await cliIn(work, ['synth', 'Hello world.', '--ref', REF, '--profile', 'cpu', '--set', 'modules.vocoder.precision=int8', '--out', join(out, 'int8.wav')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/vocoder: int8 from calibration\/out\/emovoice-ref-tiny\/vocoder\.qdq\.onnx \(the calibration made for this model and module\)/);
    // the same Q/DQ model named by path, from another folder, gives the same audio
    const named = await cliIn(ROOT, ['synth', 'Hello world.', '--ref', REF, '--profile', 'cpu', '--set', 'modules.vocoder.precision=int8', '--set', `modules.vocoder.calibration.qdq_model=${join(work, 'calibration/out/emovoice-ref-tiny/vocoder.qdq.onnx')}`, '--out', join(out, 'named.wav')]);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(named.stderr + named.stdout).toMatch(/vocoder: int8 from \S+vocoder\.qdq\.onnx \(named by the profile\)/);
    const [a, b] = [await readWav(join(out, 'int8.wav')), await readWav(join(out, 'named.wav'))];
    expect(a.samples.length).toBeGreaterThan(1000);
    expectSameBytes(a.samples, b.samples, 'int8.wav samples');
  }, 300_000);

  it('a model whose vocoder changed since is refused in one line; a folder with no calibration names the command', async () => {
    const work = await tinyCalibration();
    const model = await mkdtemp(join(tmpdir(), 'ev-stale-'));
    scratch.push(model);
    await cp(join(ROOT, 'models/tiny'), model, { recursive: true });
    // other bytes, the same model name and a valid model: the vocoder gains a doc_string (ModelProto field 6,
    // appended: protobuf merges a field written after the rest)
    const { appendFile } = await import('node:fs/promises');
    await appendFile(join(model, 'vocoder.onnx'), new Uint8Array([0x32, 0x01, 0x41]));
    const stale = await cliIn(work, ['synth', 'Hello.', '--ref', REF, '--profile', 'cpu', '--set', `model=${join(model, 'manifest.yaml')}`, '--set', 'modules.vocoder.precision=int8', '--out', join(model, 'x.wav')]);
    expect(stale.exitCode).toBe(2);
    expect(stale.stderr.trim().split('\n')).toHaveLength(1);
    expect(stale.stderr).toMatch(/^error: calibration\/out\/emovoice-ref-tiny\/vocoder\.qdq\.onnx vocoder: stale calibration: made from other bytes than \S+vocoder\.onnx now has .*run `emovoice calibrate vocoder --profile cpu` again/);
    const none = await cliIn(model, ['synth', 'Hello.', '--ref', REF, '--profile', 'cpu', '--set', 'modules.vocoder.precision=int8', '--out', join(model, 'y.wav')]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/INT8 needs calibration, and none was made for emovoice-ref-tiny's vocoder \(calibration\/out\/emovoice-ref-tiny\/vocoder\.qdq\.onnx does not exist\) \(fix: run `emovoice calibrate vocoder --profile cpu`/);
  }, 300_000);
});
