// The TypeScript pipeline (ONNX Runtime CPU runners, host length regulation, TS log-mel) against the
// PyTorch end-to-end reference: same real reference recording, same phonemes, every intermediate.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { makeRunners, synthModel } from '../../src/synth/model.ts';
import { Pipeline } from '../../src/synth/pipeline.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { relL2 } from '../../src/compare/metrics.ts';

const ROOT = resolve(__dirname, '../..');

describe('synthesis pipeline vs the PyTorch end-to-end reference', async () => {
  const manifest = await loadModelManifest(resolve(ROOT, 'models/tiny/manifest.yaml'));
  const ref = await readNpz(resolve(ROOT, 'models/tiny/refs/e2e/hello.npz'));
  const model = await synthModel(manifest);
  const runners = makeRunners(manifest, 'ort');
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const pipeline = new Pipeline(model, runners);
  const reference = { samples: ref.wav_ref!.data as Float32Array, sampleRate: model.sampleRate };
  const result = await pipeline.synthesize({ phonemeIds: ref.phoneme_ids!.data as Int32Array, reference, emotion: 'neutral' });
  const f32 = (t: { data: unknown }) => t.data as Float32Array;

  it('computes the same reference log-mel and embeddings', async () => {
    const mel = pipeline.referenceMel(reference, []);
    expect(mel.shape).toEqual(ref.ref_mel!.shape);
    expect(relL2(f32(mel), f32(ref.ref_mel!))).toBeLessThan(1e-5);
    expect(relL2(f32(result.intermediates.speaker_embedding!), f32(ref.speaker_embedding!))).toBeLessThan(1e-4);
  });

  it('regulates length exactly like PyTorch', () => {
    expect([...(result.intermediates.durations!.data as Int32Array)]).toEqual([...(ref.durations!.data as Int32Array)]);
    expect(result.frames).toBe(ref.frame_hidden!.shape[1]);
  });

  it('produces the PyTorch waveform', () => {
    expect(result.waveform.length).toBe(ref.waveform!.shape[2]);
    expect(relL2(result.waveform, f32(ref.waveform!))).toBeLessThan(1e-3);
    expect(result.stages.map((s) => s.stage)).toEqual([
      'reference log-mel', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder',
    ]);
    expect(result.rtf).toBeGreaterThan(0);
  });

  it('caches speaker embeddings by reference content', async () => {
    const again = await pipeline.synthesize({ phonemeIds: ref.phoneme_ids!.data as Int32Array, reference, emotion: 'neutral' });
    expect(again.cacheHit).toBe(true);
    expect(again.stages[0]!.stage).toBe('style_encoder (cached)');
    expect(relL2(again.waveform, result.waveform)).toBe(0);
  });

  it('rejects an unknown emotion and too-long input with clear errors', async () => {
    await expect(pipeline.synthesize({ phonemeIds: new Int32Array([2, 55, 2]), reference, emotion: 'bored' })).rejects.toMatchObject({
      message: 'unknown emotion "bored"',
      hint: expect.stringContaining('neutral, happy, sad, angry, surprise'),
    });
    await expect(pipeline.synthesize({ phonemeIds: new Int32Array(500).fill(55), reference })).rejects.toMatchObject({
      message: '500 phonemes exceed the limit of 128 per sentence',
      hint: expect.stringContaining('raise serving.max_text_len in the profile'),
    });
  });
});
