// Text in, audio out through the real pipeline (ONNX Runtime CPU, the tiny model): the frontend is a
// timed stage, text over the limit is split (never truncated), and the split is described in one line;
// parts overlapped on chunk lanes (configs/cpu.yaml's serving) give the same audio.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { makeRunners, servingRunnerOptions } from '../../src/synth/runners.ts';
import { inFlight, mergeStages, splitWarning, synthesizeText } from '../../src/synth/speak.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { textToPhonemes } from '../../src/text/frontend.ts';

const ROOT = resolve(__dirname, '../..');
const TEXT = 'Good morning. 今天天气很好。 We will meet at the park at ten.';

describe('synthesizeText', async () => {
  const manifest = await loadModelManifest(resolve(ROOT, 'models/tiny/manifest.yaml'));
  const e2e = await readNpz(resolve(ROOT, 'models/tiny/refs/e2e/hello.npz'));
  const runners = makeRunners(manifest, 'ort');
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const conditioning = { ref: { samples: e2e.wav_ref!.data as Float32Array, sampleRate: 16000 }, emotion: 'neutral' };
  const whole = textToPhonemes(TEXT, { symbols: manifest.frontend.symbols }).ids.length;

  it('within the limit: one part, the frontend timed first, audio of frames × hop samples', async () => {
    const pipeline = new Pipeline(await openModel(manifest, { max_text_len: 128 }), runners);
    const r = await synthesizeText(pipeline, { text: TEXT, conditioning });
    expect(r.split).toBeNull();
    expect(r.parts).toHaveLength(1);
    expect(r.phonemes).toBe(whole);
    expect(r.stages.map((s) => s.stage)).toEqual(['frontend', 'reference log-mel', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder']);
    expect(r.waveform.length).toBe(r.frames * 256);
  });

  it('over the limit: split at sentence ends, every part spoken, each within the limit', async () => {
    const limit = Math.ceil(whole / 2);
    const model = await openModel(manifest, { max_text_len: limit });
    const pipeline = new Pipeline(model, runners);
    const r = await synthesizeText(pipeline, { text: TEXT, conditioning });
    expect(r.split).toEqual({ phonemes: whole, limit, parts: r.parts.length });
    expect(r.parts.length).toBeGreaterThan(1);
    for (const p of r.parts) expect(p.phonemes).toBeLessThanOrEqual(limit);
    expect(r.waveform.length).toBe(r.parts.reduce((a, p) => a + p.waveform.length, 0));
    // the cache hit of later parts folds into the style encoder's row
    expect(r.stages.map((s) => s.stage)).not.toContain('style_encoder (cached)');
    const fe = await model.frontend.toIds(TEXT, { limit });
    expect(fe.sentences.map((p) => p.ids.length)).toEqual(r.parts.map((p) => p.phonemes));
    expect(r.frontend.sentences.map((p) => p.text)).toEqual(fe.sentences.map((p) => p.text));
  });

  it('serving.overlap_parts with chunk lanes and one-thread sessions (configs/cpu.yaml): the same parts and audio', async () => {
    const limit = Math.ceil(whole / 2);
    const one = await synthesizeText(new Pipeline(await openModel(manifest, { max_text_len: limit }), runners), { text: TEXT, conditioning });
    const serving = { max_text_len: limit, chunk_lanes: 2, intra_op_threads: 1, overlap_parts: true };
    const model = await openModel(manifest, serving);
    expect(model.overlapParts).toBe(true);
    const lanes = makeRunners(manifest, 'ort', servingRunnerOptions(serving));
    await Promise.all(Object.values(lanes).map((r) => r.load()));
    try {
      expect(lanes.vocoder!.lanes).toBe(2);
      const r = await synthesizeText(new Pipeline(model, lanes), { text: TEXT, conditioning });
      expect(r.parts.map((p) => p.phonemes)).toEqual(one.parts.map((p) => p.phonemes));
      expect(r.waveform.length).toBe(one.waveform.length);
      let d = 0;
      let n = 0;
      for (let i = 0; i < r.waveform.length; i++) {
        d += (r.waveform[i]! - one.waveform[i]!) ** 2;
        n += one.waveform[i]! ** 2;
      }
      expect(Math.sqrt(d / n)).toBeLessThan(1e-6);
    } finally {
      await Promise.all(Object.values(lanes).map((r) => r.close()));
    }
  });

  it('inFlight: results in order; a failing part fails the request and no later part starts, one or two at a time', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    expect(await inFlight([3, 1, 2], 2, async (x) => (await sleep(x * 5), x * 10))).toEqual([30, 10, 20]);
    for (const n of [1, 2]) {
      const started: number[] = [];
      const f = async (x: number) => {
        started.push(x);
        if (x === 1) throw new Error('part 1 failed');
        await sleep(20);
        return x;
      };
      await expect(inFlight([0, 1, 2, 3], n, f)).rejects.toThrow('part 1 failed');
      expect(started, `n = ${n}`).toEqual([0, 1]);
    }
  });

  it('mergeStages sums by name and keeps the fallback marks', () => {
    const m = mergeStages([
      [{ stage: 'frontend', ms: 1 }],
      [{ stage: 'style_encoder', ms: 5 }, { stage: 'vocoder', ms: 2 }],
      [{ stage: 'style_encoder (cached)', ms: 0 }, { stage: 'vocoder', ms: 3, fallback: 'timeout' }],
    ]);
    expect(m).toEqual([{ stage: 'frontend', ms: 1 }, { stage: 'style_encoder', ms: 5 }, { stage: 'vocoder', ms: 5, fallback: 'timeout' }]);
  });

  it('the split warning is one line naming serving.max_text_len, where it is set, and the fix', () => {
    const w = splitWarning({ phonemes: 201, limit: 128, parts: 2 }, { file: 'configs/base.yaml', line: 38, column: 12 });
    expect(w.split('\n')).toHaveLength(1);
    expect(w).toBe(
      'configs/base.yaml:38:12 serving.max_text_len: the text is 201 phonemes, over the limit of 128 per sentence; split at sentence/clause boundaries into 2 parts, spoken one after another' +
        ' (fix: shorten the text, or raise serving.max_text_len in the profile or with --set serving.max_text_len=N, up to what the engines accept)',
    );
  });
});
