// summarizeProfile on a real trace: ONNX Runtime's profiler on the bundled tiny vocoder, three runs, the
// first left out as a warm-up. Kernel time is within run time, every op type of the model's kernels is
// there, and the counts are per run.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { summarizeProfile } from '../../src/runtime/ort-profile.ts';

const VOCODER = resolve(__dirname, '../../models/tiny/vocoder.onnx');

describe('summarizeProfile', () => {
  it('sums a real ONNX Runtime trace per run, warm-up left out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ort-profile-test-'));
    try {
      const s = await ort.InferenceSession.create(VOCODER, { enableProfiling: true, profileFilePrefix: join(dir, 'voc') });
      const mel = new ort.Tensor('float32', new Float32Array(80 * 30).fill(-4), [1, 80, 30]);
      for (let i = 0; i < 3; i++) await s.run({ mel });
      s.endProfiling();
      await s.release();
      const file = (await readdir(dir)).find((n) => n.endsWith('.json'))!;
      const events = JSON.parse(await readFile(join(dir, file), 'utf8'));
      const all = summarizeProfile(events);
      const p = summarizeProfile(events, { skipRuns: 1 });
      expect(all.runs).toBe(3);
      expect(p.runs).toBe(2);
      expect(p.nodeMs).toBeGreaterThan(0);
      expect(p.nodeMs).toBeLessThanOrEqual(p.runMs);
      expect(p.kernels).toBe(Math.round(p.kernels)); // the same kernels each run
      expect(p.byOp.map((o) => o.op)).toContain('ConvTranspose');
      expect(p.byOp[0]!.ms).toBeGreaterThanOrEqual(p.byOp.at(-1)!.ms);
      expect(p.byOp.reduce((a, o) => a + o.ms, 0)).toBeCloseTo(p.nodeMs, 6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
