// Streaming synthesis on the bundled models of two families (ref-audio: models/tiny; emotivoice:
// models/emotivoice-tiny), at FP32 on ONNX Runtime: the chunked vocoder's audio equals the whole
// utterance's (SNR ≥ 40 dB), no seam jumps further than the audio does elsewhere, parts come in order,
// and the context computed from the graph is needed (one frame less and the audio changes). The
// real voice (piper-vits, flow and vocoder chunked) is test/families/piper/stream.test.ts.
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelManifest, manifestFromData } from '../../src/model/manifest.ts';
import { checkStreaming } from '../../src/model/streaming.ts';
import { resolveConditioning } from '../../src/pipeline/conditioning.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { chunkPolicy, concatAxis, sliceAxis, streamPart, streamPlan } from '../../src/pipeline/stream.ts';
import { makeRunners } from '../../src/synth/runners.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { snrDb } from '../../src/compare/metrics.ts';
import { streamedVsWhole } from '../support/stream-check.ts';
import { readYaml } from '../../src/core/yaml.ts';

const ROOT = resolve(__dirname, '../..');
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function open(path: string, maxTextLen?: number) {
  const manifest = await loadModelManifest(resolve(ROOT, path));
  const runners = makeRunners(manifest, 'ort');
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const model = await openModel(manifest, maxTextLen ? { max_text_len: maxTextLen } : {});
  closers.push(async () => {
    await Promise.all(Object.values(runners).map((r) => r.close()));
    await model.close();
  });
  return new Pipeline(model, runners);
}

describe('streaming: ref-audio (models/tiny)', async () => {
  const e2e = await readNpz(resolve(ROOT, 'models/tiny/refs/e2e/hello.npz'));
  const conditioning = { ref: { samples: e2e.wav_ref!.data as Float32Array, sampleRate: 16000 }, emotion: 'neutral' };
  const TEXT = 'Good morning. 今天天气很好。 We will meet at the park at ten.';
  // split into parts (a limit under the text's length): parts stream one after another
  const pipeline = await open('models/tiny/manifest.yaml', 24);

  it('chunked audio equals the whole utterance, parts in order, seams without clicks', async () => {
    const r = await streamedVsWhole(pipeline, TEXT, conditioning, { firstFrames: 8, frames: 24 });
    expect(r.result.parts.length).toBeGreaterThan(1);
    expect(r.streamed.length).toBe(r.whole.length);
    expect(r.snr).toBeGreaterThanOrEqual(40);
    expect(r.seams.seams).toBeGreaterThan(r.result.parts.length);
    expect(r.seams.maxSeamJump).toBeLessThanOrEqual(r.seams.maxOtherJump);
    // chunks arrive in order, the first before the request is done
    expect([...r.arrivals].sort((a, b) => a - b)).toEqual(r.arrivals);
    expect(r.result.firstAudioMs).toBe(r.arrivals[0]);
    expect(r.result.firstAudioMs).toBeLessThan(r.result.totalMs);
    // every part in chunks: the request's first 8 frames, then 24 (later parts from their start), a tail
    // under a quarter chunk (6) joining the last
    for (const [i, p] of r.result.parts.entries()) {
      const frames = r.sizes.filter((c) => c.part === i).map((c) => c.samples / 256);
      expect(frames.reduce((a, b) => a + b, 0)).toBe(p.frames);
      expect(frames.length).toBe(p.chunks);
      const first = i === 0 ? 8 : 24;
      if (p.frames >= first + 6) expect(frames[0]).toBe(first);
      for (const f of frames.slice(1, -1)) expect(f).toBe(24);
      if (frames.length > 1) expect(frames.at(-1)).toBeGreaterThanOrEqual(6);
      expect(frames.at(-1)).toBeLessThanOrEqual(30);
    }
    expect(r.result.stages.map((s) => s.stage)).toContain('vocoder');
  });

  it('the context from the graph is needed: two frames less on either side and the chunked audio changes', async () => {
    const plan = await streamPlan(pipeline.model);
    expect(plan.stages.map((s) => [s.stage.id, s.left, s.right])).toEqual([['vocoder', 7, 7]]);
    expect(plan.samplesPerFrame).toBe(256);
    const sentence = (await pipeline.model.frontend.toIds('Meet at ten.', { limit: 24 })).sentences[0]!;
    const resolved = resolveConditioning(pipeline.model, conditioning);
    const board = (await pipeline.run({ sentence, conditioning: resolved, captureInputsOf: ['vocoder'] })).intermediates;
    const run = async (p: typeof plan) => {
      const out: Float32Array[] = [];
      await streamPart(pipeline, p, board, { firstFrames: 10, frames: 10 }, (x) => void out.push(x), new Map());
      return Float32Array.from(out.flatMap((x) => [...x]));
    };
    const exact = await run(plan);
    const whole = (await pipeline.run({ sentence, conditioning: resolved })).waveform;
    expect(snrDb(exact, whole)).toBeGreaterThan(90);
    // (the outermost frame reaches the kept audio through one product of edge taps only: too faint to measure)
    for (const cut of [{ left: 2, right: 0 }, { left: 0, right: 2 }]) {
      const s = plan.stages[0]!;
      const short = await run({ ...plan, stages: [{ ...s, left: s.left - cut.left, right: s.right - cut.right }] });
      expect(snrDb(short, whole), JSON.stringify(cut)).toBeLessThan(snrDb(exact, whole) - 20);
    }
  });
});

describe('streaming: emotivoice (models/emotivoice-tiny)', async () => {
  const pipeline = await open('models/emotivoice-tiny/manifest.yaml');

  it('chunked audio equals the whole utterance and the seams do not click', async () => {
    const r = await streamedVsWhole(pipeline, 'The weather is lovely today, 我们去公园散步吧。', { speaker: '0', prompt: '开心' }, chunkPolicy({ stream_chunk_frames: 20, stream_first_chunk_frames: 6 }));
    expect(r.chunks).toBeGreaterThan(3);
    expect(r.streamed.length).toBe(r.whole.length);
    expect(r.snr).toBeGreaterThanOrEqual(40);
    expect(r.seams.maxSeamJump).toBeLessThanOrEqual(r.seams.maxOtherJump);
  });
});

describe('the streaming declaration', async () => {
  const src = await readYaml(resolve(ROOT, 'models/tiny/manifest.yaml'));
  const withStreaming = (streaming: unknown) => manifestFromData({ ...(src.data as object), streaming }, { ...src, file: resolve(ROOT, 'models/tiny/manifest.yaml') });

  it('names the stage and the fix for a declaration the graph cannot chunk', () => {
    const m = withStreaming({ dim: 'mel_len', stages: ['vocoder'] });
    const issues = (stages: string[], dim = 'mel_len') => checkStreaming({ dim, stages }, m.graph, m.graphInfo.order, m.modules, m.output).map((i) => i.message);
    expect(issues(['vocoder'])).toEqual([]);
    expect(issues(['nope'])).toEqual(['streaming stage "nope" is not a stage of the graph']);
    expect(issues(['length_regulation', 'vocoder'])[0]).toMatch(/is a host step/);
    expect(issues(['acoustic_decoder'])).toEqual(['the last streaming stage "acoustic_decoder" does not produce the output waveform', 'stage "vocoder" reads mel whole, which streaming stage "acoustic_decoder" makes in chunks']);
    expect(issues(['vocoder', 'acoustic_decoder'])[0]).toMatch(/not in run order/);
    expect(issues(['vocoder'], 'frames')).toEqual(['streaming stage "vocoder" has no input with the dim frames']);
    expect(() => withStreaming({ dim: 'mel_len', stages: ['vocoder', 'nope'] })).toThrow(/not a stage of the graph/);
    expect(() => withStreaming({ stages: ['vocoder'] })).toThrow(/dim/);
  });

  it('a stage whose field is unbounded (attention) is refused with the node that makes it so', async () => {
    const m = withStreaming({ dim: 'mel_len', stages: ['acoustic_decoder', 'vocoder'] });
    const model = await openModel(m, {});
    closers.push(() => model.close());
    await expect(streamPlan(model)).rejects.toThrow(/streaming stage "acoustic_decoder" cannot run on chunks: .* at node /);
  });

  it('time slices and joins along any axis', () => {
    const t = { dtype: 'float32' as const, shape: [1, 2, 5], data: Float32Array.from({ length: 10 }, (_, i) => i) };
    const a = sliceAxis(t, -1, 1, 3);
    expect(a.shape).toEqual([1, 2, 2]);
    expect([...a.data]).toEqual([1, 2, 6, 7]);
    expect([...concatAxis([sliceAxis(t, -1, 0, 1), a, sliceAxis(t, -1, 3, 5)], -1).data]).toEqual([...t.data]);
    expect([...sliceAxis(t, -2, 1, 2).data]).toEqual([5, 6, 7, 8, 9]);
  });
});
