// The ConvTranspose → Conv rewrite on the bundled tiny vocoder (HiFi-GAN upsamplers, stride 8/8/4): the
// rewritten model gives the original's waveform on its PyTorch reference case (FP32 summation order
// aside), a ConvTranspose of another shape is kept with the reason, and the CPU file is written once,
// then reused; a model with nothing to rewrite runs as it is.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/model/onnx.ts';
import { rewriteConvTranspose } from '../../src/optimize/conv-transpose.ts';
import { optimizedModel } from '../../src/optimize/cpu.ts';
import { readNpz } from '../../src/tensor/io.ts';

const TINY = resolve(__dirname, '../../models/tiny');
const VOCODER = join(TINY, 'vocoder.onnx');

async function waveform(model: string | Uint8Array, mel: { data: Float32Array; shape: number[] }): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model as Uint8Array, { intraOpNumThreads: 1 });
  const out = await s.run({ mel: new ort.Tensor('float32', mel.data, mel.shape) });
  await s.release();
  return out.waveform!.data as Float32Array;
}

describe('rewriteConvTranspose', () => {
  it('rewrites HiFi-GAN upsamplers into a two-tap Conv + interleave + offset with the same output, and keeps other shapes', async () => {
    const model = await decodeOnnxModel(await readFile(VOCODER));
    const nodes = model.graph.node.length;
    const r = rewriteConvTranspose(model);
    expect(r.rewritten).toHaveLength(3);
    expect(r.kept).toEqual([]);
    const ops = model.graph.node.map((n: { opType: string }) => n.opType);
    expect(ops).not.toContain('ConvTranspose');
    expect(model.graph.node.length).toBe(nodes + 3 * 4);
    const ref = await readNpz(join(TINY, 'refs/vocoder/short.npz'));
    const mel = ref.mel! as { data: Float32Array; shape: number[] };
    const [a, b] = [await waveform(VOCODER, mel), await waveform(await encodeOnnxModel(model), mel)];
    expect(b.length).toBe(a.length);
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i]! - b[i]!) ** 2;
      den += a[i]! ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-5);

    const other = await decodeOnnxModel(await readFile(VOCODER));
    const first = other.graph.node.find((n: { opType: string }) => n.opType === 'ConvTranspose');
    first.attribute.find((a: { name: string }) => a.name === 'pads').ints = [3, 5];
    const r2 = rewriteConvTranspose(other);
    expect(r2.rewritten).toHaveLength(2);
    expect(r2.kept).toEqual([{ node: first.name, why: 'stride 8, kernel 16, pads 3/5: not stride s, kernel 2s, pads s/2' }]);
  });

  it('writes the CPU model once and reuses it; a model with nothing to rewrite runs its own file', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cpu-optimized-'));
    try {
      const first = await optimizedModel(VOCODER, out, 'vocoder', 'cpu');
      expect(first.written).toBe(true);
      expect(first.file).toBe(join(out, 'cpu-optimized/vocoder.onnx'));
      const mtime = (await stat(first.file)).mtimeMs;
      const again = await optimizedModel(VOCODER, out, 'vocoder', 'cpu');
      expect(again).toEqual({ file: first.file, rewritten: first.rewritten, written: false });
      expect((await stat(first.file)).mtimeMs).toBe(mtime);
      const enc = join(TINY, 'text_encoder.onnx');
      expect(await optimizedModel(enc, out, 'text_encoder', 'cpu')).toEqual({ file: enc, rewritten: [], written: false });
      expect(JSON.parse(await readFile(join(out, 'cpu-optimized/text_encoder.onnx.json'), 'utf8')).rewritten).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
