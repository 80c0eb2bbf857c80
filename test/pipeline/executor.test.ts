// The pipeline executor on the bundled tiny model (ONNX Runtime CPU runners, host steps, TS log-mel)
// against the PyTorch end-to-end reference: same real reference recording, same phonemes, every
// intermediate; and the graph walk itself: only needed stages run, conditioning-only stages are cached.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { resolveConditioning } from '../../src/pipeline/conditioning.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { makeRunners } from '../../src/synth/runners.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { relL2 } from '../../src/compare/metrics.ts';

const ROOT = resolve(__dirname, '../..');

describe('pipeline executor vs the PyTorch end-to-end reference (tiny)', async () => {
  const manifest = await loadModelManifest(resolve(ROOT, 'models/tiny/manifest.yaml'));
  const ref = await readNpz(resolve(ROOT, 'models/tiny/refs/e2e/hello.npz'));
  const model = await openModel(manifest);
  const runners = makeRunners(manifest, 'ort');
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const pipeline = new Pipeline(model, runners);
  const audio = { samples: ref.wav_ref!.data as Float32Array, sampleRate: model.sampleRate };
  const sentence = { text: 'Hello world, 你好世界', ids: ref.phoneme_ids!.data as Int32Array };
  const request = (given: Record<string, unknown>) => resolveConditioning(model, given as never);
  const result = await pipeline.run({ sentence, conditioning: request({ ref: audio, emotion: 'neutral' }) });
  const f32 = (t: { data: unknown }) => t.data as Float32Array;

  it('computes the same reference log-mel and embeddings', () => {
    expect(result.intermediates.ref_mel!.shape).toEqual(ref.ref_mel!.shape);
    expect(relL2(f32(result.intermediates.ref_mel!), f32(ref.ref_mel!))).toBeLessThan(1e-5);
    expect(relL2(f32(result.intermediates.speaker_embedding!), f32(ref.speaker_embedding!))).toBeLessThan(1e-4);
  });

  it('regulates length exactly like PyTorch', () => {
    expect([...(result.intermediates.durations!.data as Int32Array)]).toEqual([...(ref.durations!.data as Int32Array)]);
    expect(result.intermediates.frame_hidden!.shape[1]).toBe(ref.frame_hidden!.shape[1]);
    expect(result.frames).toBe(ref.frame_hidden!.shape[1]);
  });

  it('produces the PyTorch waveform, timing every stage it ran and none it did not need', () => {
    expect(result.waveform.length).toBe(ref.waveform!.shape[2]);
    expect(relL2(result.waveform, f32(ref.waveform!))).toBeLessThan(1e-3);
    // no --emotion-ref: its log-mel and style-encoder stages are not run; first_of is not listed (trivial)
    expect(result.stages.map((s) => s.stage)).toEqual([
      'reference log-mel', 'style_encoder', 'text_encoder', 'acoustic_encoder', 'length regulation', 'acoustic_decoder', 'vocoder',
    ]);
    expect(result.rtf).toBeGreaterThan(0);
  });

  it('caches the conditioning-only stages by the reference content: a second request skips them', async () => {
    const again = await pipeline.run({ sentence, conditioning: request({ ref: audio, emotion: 'neutral' }) });
    expect(again.cacheHit).toBe(true);
    expect(again.stages[0]!.stage).toBe('style_encoder (cached)');
    expect(again.stages.map((s) => s.stage)).not.toContain('reference log-mel');
    expect(relL2(again.waveform, result.waveform)).toBe(0);
  });

  it('an emotion label replaces the reference emotion; an emotion reference runs the style encoder on it', async () => {
    const happy = await pipeline.run({ sentence, conditioning: request({ ref: audio, emotion: 'happy' }) });
    expect(happy.intermediates.emotion_embedding!.data).toEqual(model.tables.emotion!.happy!.data);
    expect(relL2(f32(happy.intermediates.emotion_embedding!), f32(result.intermediates.emotion_embedding!))).toBeGreaterThan(1e-2);
    const other = new Float32Array(audio.samples.length);
    for (let i = 0; i < other.length; i++) other[i] = audio.samples[(i * 7) % audio.samples.length]!; // another (real-sample) signal
    const viaRef = await pipeline.run({ sentence, conditioning: request({ ref: audio, 'emotion-ref': { samples: other, sampleRate: audio.sampleRate } }) });
    expect(viaRef.stages.map((s) => s.stage)).toContain('style_encoder (emotion reference)');
    expect(viaRef.intermediates.emotion_embedding!.data).toEqual(viaRef.intermediates.emotion_ref_embedding!.data);
    expect(relL2(f32(viaRef.intermediates.speaker_embedding!), f32(result.intermediates.speaker_embedding!))).toBe(0);
  });

  it('rejects an unknown emotion, a flag the model does not take, a missing reference and too-long input with clear errors', async () => {
    expect(() => request({ ref: audio, emotion: 'bored' })).toThrow(expect.objectContaining({ message: 'unknown emotion "bored"', hint: expect.stringContaining('neutral, happy, sad, angry, surprise') }));
    expect(() => request({ ref: audio, speaker: '3' })).toThrow(expect.objectContaining({ message: '--speaker is not an input of this model (family ref-audio)', hint: expect.stringContaining('--ref (required)') }));
    expect(() => request({})).toThrow(expect.objectContaining({ message: expect.stringMatching(/^this model needs --ref/) }));
    await expect(pipeline.run({ sentence: { text: 'x', ids: new Int32Array(500).fill(55) }, conditioning: request({ ref: audio }) })).rejects.toMatchObject({
      message: '500 phonemes exceed the limit of 128 per sentence',
      hint: expect.stringContaining('raise serving.max_text_len in the profile'),
    });
  });

  it('captures a stage’s real inputs without running the rest (calibration)', async () => {
    const feeds = await pipeline.inputsOf('vocoder', { sentence, conditioning: request({ ref: audio, emotion: 'neutral' }) });
    expect(Object.keys(feeds)).toEqual(['mel']);
    expect(relL2(f32(feeds.mel!), f32(ref.mel!))).toBeLessThan(1e-3);
  });
});
