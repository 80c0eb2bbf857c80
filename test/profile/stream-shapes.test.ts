// Engine profiles carry the chunk shape: every bundled TensorRT profile whose model streams has its
// chunked module's opt at a streamed chunk (serving.stream_chunk_frames plus the context computed from
// the module's ONNX graph), a min that admits a part's first chunk and a max that admits the largest.
import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../src/model/manifest.ts';
import { chunkPolicy, streamPlan } from '../../src/pipeline/stream.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { streamShapeIssues } from '../../src/profile/stream-shapes.ts';

const CONFIGS = resolve(__dirname, '../../configs');

describe('the chunk shape in engine profiles', () => {
  it('every bundled trt profile of a streaming model has opt at chunk + context', async () => {
    const checked: string[] = [];
    const manifests = new Map<string, Awaited<ReturnType<typeof loadModelManifest>>>();
    for (const f of (await readdir(CONFIGS)).filter((x) => x.endsWith('.yaml'))) {
      const loaded = await loadProfile(resolve(CONFIGS, f), { configsDir: CONFIGS });
      if (loaded.profile.abstract || loaded.profile.backend !== 'trt') continue;
      const manifest = manifests.get(loaded.profile.model) ?? (await loadModelManifest(loaded.profile.model));
      manifests.set(loaded.profile.model, manifest);
      if (!manifest.streaming) continue;
      const plan = await streamPlan({ manifest });
      const ctx = plan.stages.map((s) => ({ stage: s.stage.id, left: s.left, right: s.right }));
      const issues = streamShapeIssues(loaded, manifest, ctx, chunkPolicy(loaded.profile.serving));
      expect(issues.map((e) => e.message), f).toEqual([]);
      checked.push(f);
      // and the check does catch the old whole-utterance opt
      const wrong = { profile: structuredClone(loaded.profile) };
      wrong.profile.modules!.vocoder!.shapes!.mel!.opt = [1, 80, 400];
      const [e] = streamShapeIssues({ ...loaded, profile: wrong.profile }, manifest, ctx, chunkPolicy(loaded.profile.serving));
      expect(e?.message, f).toMatch(/vocoder\.mel: opt\[2\] = 400, but a streamed chunk is 128 \+ \d+ \+ \d+ context = \d+ frames/);
    }
    expect(checked).toEqual(expect.arrayContaining(['a10g-fp16.yaml', 'emotivoice-a10g-fp16.yaml']));
  });

  it('build --dry-run warns, naming the shape and the number to write, where opt is not a chunk', async () => {
    const r = await execa('node', ['bin/emovoice.js', 'build', '--profile', 'a10g-fp16', '--dry-run', '--set', 'modules.vocoder.shapes.mel.opt=[1,80,400]'], { cwd: resolve(__dirname, '../..'), reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*vocoder\.mel: opt\[2\] = 400, but a streamed chunk is 128 \+ 7 \+ 7 context = 142 frames \(fix: set opt\[2\] to 142/m);
  });
});
