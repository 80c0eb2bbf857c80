// Long-form synthesis on the two bundled models (ONNX Runtime CPU): the reference-audio tiny model and
// the EmotiVoice tiny export. Batched through the coordinator, every sentence's audio equals that
// sentence synthesized alone (synthesizeText, what `emovoice synth "…"` does) within the profile's fp32
// tolerance; EmotiVoice's BERT content encoder (attention mask) is padded, the maskless modules batch
// only equal shapes. Plus the pure parts: sentences and their lines, groups, batch sizes, unreadable text.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSubtitles } from '../../src/audio/subtitles.ts';
import { relL2 } from '../../src/compare/metrics.ts';
import { loadModelManifest, type ModelManifest } from '../../src/model/manifest.ts';
import { BatchCoordinator } from '../../src/pipeline/batching.ts';
import type { RequestConditioning } from '../../src/pipeline/conditioning.ts';
import { Pipeline } from '../../src/pipeline/executor.ts';
import { openModel } from '../../src/pipeline/model.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { groupParts, moduleBatches, splitText, synthesizeLongform, unreadableCharacter, type Part } from '../../src/synth/longform.ts';
import { io, makeRunners } from '../../src/synth/runners.ts';
import { synthesizeText } from '../../src/synth/speak.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { sentencePieces } from '../../src/text/frontend.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Long-form through batched runners vs each sentence alone through plain ones, on one model. */
async function compareFamily(profile: string, text: string, conditioning: RequestConditioning, batch: number, overrides: string[] = []) {
  const loaded = await loadProfile(profile, { configsDir: resolve(ROOT, 'configs'), overrides });
  const manifest: ModelManifest = await loadModelManifest(loaded.profile.model);
  const runners = makeRunners(manifest, 'ort');
  await Promise.all(Object.values(runners).map((r) => r.load()));
  const model = await openModel(manifest, loaded.profile.serving ?? {});
  try {
    const coordinator = new BatchCoordinator({ maxBatch: moduleBatches(loaded.profile, manifest, 'ort', batch), tolerance: loaded.profile.tolerances!.fp32!.rel_l2! });
    const wrapped = Object.fromEntries(Object.entries(runners).map(([m, r]) => [m, coordinator.wrap(m, r, { inputs: io(manifest.modules[m]!.inputs), outputs: io(manifest.modules[m]!.outputs) })]));
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-longform-'));
    dirs.push(dir);
    const decisions: string[] = [];
    coordinator.onDecision = (m) => void decisions.push(m);
    const r = await synthesizeLongform({
      text,
      pipeline: new Pipeline(model, wrapped),
      coordinator,
      conditioning,
      groupSize: batch,
      workDir: join(dir, 'work'),
      out: join(dir, 'out.wav'),
      subtitles: [{ path: join(dir, 'out.vtt'), format: 'vtt' }],
      progress: { update() {}, stop() {} },
    });
    const alone = new Pipeline(model, runners);
    const sentences = splitText(text, model.frontend.sentences?.bind(model.frontend));
    const worst = [];
    const spoken = sentences.filter((s) => !r.failed.some((f) => f.line === s.line && f.text === s.text));
    for (const [i, s] of spoken.entries()) {
      const ref = (await synthesizeText(alone, { text: s.text, conditioning })).waveform;
      const cue = r.cues[i]!;
      expect(cue.end - cue.start, s.text).toBe(ref.length);
      worst.push(relL2(r.waveform.subarray(cue.start, cue.end), ref));
    }
    return { r, manifest, dir, worst: Math.max(...worst), tolerance: loaded.profile.tolerances!.fp32!.rel_l2!, sentences, decisions };
  } finally {
    await model.close();
    await Promise.all(Object.values(runners).map((x) => x.close()));
  }
}

describe('long-form synthesis, batched, equals each sentence alone', () => {
  it('reference-audio family (tiny model, profile cpu): equal-shape batches, subtitles, work folder removed', async () => {
    const e2e = await readNpz(resolve(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    const text = 'Good morning. Good morning.\nWe will meet at the park.\n\n今天天气很好。 See you soon! Good morning.';
    const c = await compareFamily('cpu', text, { ref: { samples: e2e.wav_ref!.data as Float32Array, sampleRate: 16000 }, emotion: 'neutral' }, 4);
    expect(c.sentences.map((s) => [s.line, s.text])).toEqual([[1, 'Good morning.'], [1, 'Good morning.'], [2, 'We will meet at the park.'], [4, '今天天气很好。'], [4, 'See you soon!'], [4, 'Good morning.']]);
    expect(c.worst).toBeLessThanOrEqual(c.tolerance);
    // the three "Good morning." share one call of every module
    expect(c.r.batches.text_encoder).toContain(3);
    expect(c.r.failed).toEqual([]);
    const cues = parseSubtitles(await readFile(join(c.dir, 'out.vtt'), 'utf8'));
    expect(cues.map((q) => q.text)).toEqual(c.sentences.map((s) => s.text));
    expect(await readdir(c.dir)).toEqual(['out.vtt', 'out.wav']);
  });

  it('a sentence that does not fit the limit even split fails alone, named by its line; the rest is spoken', async () => {
    const e2e = await readNpz(resolve(ROOT, 'models/tiny/refs/e2e/hello.npz'));
    const text = 'Good morning.\nThe word incomprehensibilities is long. See you.\nWe will meet.';
    const c = await compareFamily('cpu', text, { ref: { samples: e2e.wav_ref!.data as Float32Array, sampleRate: 16000 }, emotion: 'neutral' }, 2, ['serving.max_text_len=16']);
    expect(c.r.failed.map((f) => [f.line, f.text])).toEqual([[2, 'The word incomprehensibilities is long.']]);
    expect(c.r.failed[0]!.message).toMatch(/"incomprehensibilities" alone needs more than 16 phonemes/);
    expect(c.r.cues.map((q) => q.text)).toEqual(['Good morning.', 'See you.', 'We will meet.']);
    expect(c.worst).toBeLessThanOrEqual(c.tolerance);
  });

  it('emotivoice family (tiny export, profile emotivoice-cpu): the masked BERT encoder is padded, the rest is not', async () => {
    const text = 'The weather is lovely today. We walked to the park!\nDid you see the birds? They sang all morning, and then they flew away.\n我们去公园散步吧。今天天气很好。';
    const c = await compareFamily('emotivoice-cpu', text, { speaker: '0' }, 4);
    expect(c.sentences).toHaveLength(6);
    expect(c.worst).toBeLessThanOrEqual(c.tolerance);
    expect(c.r.padding.style_encoder?.ok).toBe(true);
    expect(c.r.padding.text_encoder?.ok).toBe(false);
    expect(Math.max(...c.r.batches.style_encoder!)).toBeGreaterThan(1);
    expect(c.r.failed).toEqual([]);
  });
});

describe('long-form text and plans (pure)', () => {
  it('cuts paragraphs at blank lines and sentences by the frontend, with the line each starts on', () => {
    const text = 'Chapter One\n\nIt was late. The rain\nhad stopped!\n\n* * *\n\nDone.';
    expect(splitText(text, sentencePieces).map((s) => [s.line, s.text])).toEqual([[1, 'Chapter One'], [3, 'It was late.'], [3, 'The rain had stopped!'], [8, 'Done.']]);
    expect(splitText('One. Two.').map((s) => s.text)).toEqual(['One. Two.']);
  });

  it('names characters no frontend can read', () => {
    expect(unreadableCharacter('fine text, “quoted” — 你好')).toBeNull();
    expect(unreadableCharacter('bad \uFFFD bytes')).toMatch(/^U\+FFFD/);
    expect(unreadableCharacter('bell \u0007')).toMatch(/^U\+0007/);
    expect(unreadableCharacter('tab\tand\r\nline ends')).toBeNull();
  });

  it('groups parts by length, then text order, in groups of the batch size', () => {
    const part = (sentence: number, n: number): Part => ({ sentence, part: 0, frontend: { text: '', tokens: [], ids: new Int32Array(n) } });
    const g = groupParts([part(0, 9), part(1, 3), part(2, 9), part(3, 5), part(4, 3)], 2);
    expect(g.map((x) => x.map((p) => p.sentence))).toEqual([[1, 4], [3, 0], [2]]);
  });

  it("batch sizes: the profile's serving.max_batch or --batch, capped by an engine's profile maximum", () => {
    const m = { modules: { a: { engine: true }, b: { engine: false } } } as unknown as ModelManifest;
    const p = { serving: { max_batch: 4 }, modules: { a: { shapes: { x: { min: [1, 1], opt: [1, 8], max: [2, 64] } } } } };
    expect(moduleBatches(p, m, 'trt')).toEqual({ a: 2, b: 4 });
    expect(moduleBatches(p, m, 'ort', 8)).toEqual({ a: 8, b: 8 });
    expect(moduleBatches({}, m, 'ort')).toEqual({ a: 1, b: 1 });
  });
});
