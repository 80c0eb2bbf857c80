// A manifest checked against its ONNX files at load (issue 25): a vocoder declared [batch, 81, mel_len]
// where the ONNX says 80 was accepted (synth wrote audio, verify passed every case); a renamed input or a
// module file pointing at another module's ONNX failed only at run time, naming neither manifest nor field.
import { beforeEach, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { readOnnxHeader } from '../../src/model/onnx-header.ts';
import { runCli } from '../support/cli-inprocess.ts';

const TINY = resolve(__dirname, '../../models/tiny');
let dir: string;
let manifest: string;

async function edit(from: string, to: string): Promise<void> {
  const text = await readFile(manifest, 'utf8');
  expect(text).toContain(from);
  await writeFile(manifest, text.replace(from, to));
}

async function loadError(): Promise<string> {
  const e = await loadModelManifest(manifest).catch((x) => x);
  expect(e).toBeInstanceOf(UserError);
  return (e as UserError).format();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ev-check-onnx-'));
  await cp(TINY, dir, { recursive: true, filter: (src) => !src.includes('/refs') });
  manifest = join(dir, 'manifest.yaml');
});

describe('the manifest against its ONNX files', () => {
  it('reads each file’s inputs and outputs from its header', async () => {
    expect(await readOnnxHeader(join(TINY, 'vocoder.onnx'))).toEqual({
      inputs: [{ name: 'mel', dtype: 'float32', dims: ['batch', 80, 'mel_len'] }],
      outputs: [{ name: 'waveform', dtype: 'float32', dims: ['batch', 1, 'samples'] }],
    });
    await expect(loadModelManifest(manifest)).resolves.toBeTruthy();
  });

  it('a static dim that differs: an error at the manifest line, and synth and verify refuse before running', async () => {
    await edit('      mel:\n        dtype: float32\n        dims: [batch, 80, mel_len]\n        kind: mel\n        meaning: log-mel spectrogram\n    outputs:\n      waveform:', '      mel:\n        dtype: float32\n        dims: [batch, 81, mel_len]\n        kind: mel\n        meaning: log-mel spectrogram\n    outputs:\n      waveform:');
    expect(await loadError()).toMatch(new RegExp(`^${manifest}:\\d+:\\d+ modules\\.vocoder\\.inputs\\.mel\\.dims(\\.1)?: module vocoder disagrees with ${join(dir, 'vocoder.onnx')}: mel dim 1 is 80 in the ONNX file \\[batch, 80, mel_len\\], not 81`));
    for (const cmd of [['verify', '--module', 'vocoder'], ['synth', 'hello', '--ref', join(dir, 'none.wav'), '--out', join(dir, 'x.wav')]]) {
      const r = await runCli([...cmd, '--set', `model=${manifest}`]);
      expect(r.code, cmd[0]).toBe(2);
      expect(r.err).toMatch(/module vocoder disagrees with/);
    }
  });

  it('a renamed input, a wrong dtype, and a module file pointing at another module’s ONNX', async () => {
    // the ONNX's input renamed (every occurrence of the name in the file, same length: still a valid model)
    const onnx = await readFile(join(TINY, 'text_encoder.onnx'));
    await writeFile(join(dir, 'text_encoder.onnx'), Buffer.from(onnx.toString('latin1').replaceAll('phoneme_ids', 'phoneme_idz'), 'latin1'));
    expect(await loadError()).toMatch(/modules\.text_encoder\.inputs\.phoneme_ids: module text_encoder disagrees with \S+text_encoder\.onnx: "phoneme_ids" is not one of the ONNX file's inputs \(it has phoneme_idz\) \(and 1 more difference\)/);
    await cp(join(TINY, 'text_encoder.onnx'), join(dir, 'text_encoder.onnx'));
    await edit('      waveform:\n        dtype: float32', '      waveform:\n        dtype: float16');
    expect(await loadError()).toMatch(/modules\.vocoder\.outputs\.waveform\.dtype: module vocoder disagrees with \S+: waveform is float32 in the ONNX file, not float16/);
    await edit('      waveform:\n        dtype: float16', '      waveform:\n        dtype: float32');
    await edit('file: text_encoder.onnx', 'file: vocoder.onnx');
    expect(await loadError()).toMatch(/^\S+manifest\.yaml:\d+:\d+ modules\.text_encoder\.inputs\.phoneme_ids: module text_encoder disagrees with \S+vocoder\.onnx: "phoneme_ids" is not one of the ONNX file's inputs \(it has mel\) \(and \d+ more differences\)/);
  });

  it('a module file that is not ONNX (truncated, empty) and a family name a typo from a registered one', async () => {
    await writeFile(join(dir, 'vocoder.onnx'), (await readFile(join(TINY, 'vocoder.onnx'))).subarray(0, 1000));
    expect(await loadError()).toMatch(/modules\.vocoder\.file: \S+vocoder\.onnx is not an ONNX model: /);
    await writeFile(join(dir, 'vocoder.onnx'), '');
    expect(await loadError()).toMatch(/vocoder\.onnx is not an ONNX model: the file is empty/);
    await cp(join(TINY, 'vocoder.onnx'), join(dir, 'vocoder.onnx'));
    await edit('family: ref-audio', 'family: ref-audi');
    expect(await loadError()).toMatch(/^\S+manifest\.yaml:\d+:1 family: unknown family "ref-audi" \(did you mean ref-audio\?\)/);
  });
});
