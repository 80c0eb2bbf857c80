// Streaming on the real trained voice (piper-vits: the flow and the vocoder both run on chunks, the
// vocoder's right context pulling the flow ahead): at FP32 the streamed audio equals the whole
// utterance's (SNR ≥ 40 dB) and no seam jumps further than the speech does elsewhere; the context is
// what the voice's own ONNX graphs need (flow: 4 coupling layers × 4 WaveNet convs of kernel 5).
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../../src/model/manifest.ts';
import { Pipeline } from '../../../src/pipeline/executor.ts';
import { openModel, type OpenModel } from '../../../src/pipeline/model.ts';
import { streamPlan } from '../../../src/pipeline/stream.ts';
import type { Runner } from '../../../src/runtime/runner.ts';
import { makeRunners } from '../../../src/synth/runners.ts';
import { requireSetup } from '../../setup-needed.ts';
import { espeakMissing, PIPER_MANIFEST, PIPER_SETUP_STEP, voiceMissing } from '../../support/piper-voice.ts';
import { streamingPiperManifest } from '../../support/piper-stream.ts';
import { streamedVsWhole } from '../../support/stream-check.ts';

const TEXT = 'The quick brown fox jumps over the lazy dog.';

describe('streaming the Piper voice', () => {
  let model: OpenModel | undefined;
  let runners: Record<string, Runner> = {};
  let copy: string | undefined;
  afterAll(async () => {
    await Promise.all(Object.values(runners).map((r) => r.close()));
    await model?.close();
    if (copy) await rm(dirname(copy), { recursive: true, force: true });
  });

  it('flow and vocoder in chunks: the same audio as whole (SNR ≥ 40 dB), seams without clicks', async (t) => {
    requireSetup(t, voiceMissing ?? espeakMissing, PIPER_SETUP_STEP);
    const path = await streamingPiperManifest();
    if (path !== PIPER_MANIFEST) copy = path;
    const manifest = await loadModelManifest(path);
    runners = makeRunners(manifest, 'ort');
    await Promise.all(Object.values(runners).map((r) => r.load()));
    model = await openModel(manifest, { max_text_len: 400 });
    const pipeline = new Pipeline(model, runners);
    const plan = await streamPlan(model);
    expect(plan.stages.map((s) => [s.stage.id, s.left, s.right])).toEqual([['flow', 32, 32], ['vocoder', 11, 11]]);
    const r = await streamedVsWhole(pipeline, TEXT, {}, { firstFrames: 16, frames: 56 });
    expect(r.chunks).toBeGreaterThan(4);
    expect(r.streamed.length).toBe(r.whole.length);
    expect(r.snr).toBeGreaterThanOrEqual(40);
    expect(r.seams.maxSeamJump).toBeLessThanOrEqual(r.seams.maxOtherJump);
    expect(r.result.firstAudioMs).toBeLessThan(r.result.totalMs);
    expect(r.result.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['frontend', 'text_encoder', 'flow', 'vocoder']));
  });
});
