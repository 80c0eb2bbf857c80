// --debug-layers on a real export: a planted weight change inside the vocoder is found at the first
// tensor it affects, and an unchanged model shows no departure.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/model/onnx.ts';
import { readNpz } from '../../src/tensor/io.ts';
import { firstDeparture } from '../../src/verify/debug-layers.ts';

const VOC = resolve(__dirname, '../../models/tiny/vocoder.onnx');

describe('firstDeparture', () => {
  it('finds the first tensor a planted weight change affects', async () => {
    const feeds = { mel: (await readNpz(resolve(__dirname, '../../models/tiny/refs/vocoder/short.npz'))).mel! };
    const same = await firstDeparture(VOC, VOC, feeds, 1e-5);
    expect(same.first).toBeNull();
    expect(same.compared).toBeGreaterThan(20);

    const m = await decodeOnnxModel(await readFile(VOC));
    const convs = m.graph.node.filter((n: { opType: string }) => n.opType === 'ConvTranspose');
    const target = convs[1]; // the second upsampling layer
    const wName = target.input[1];
    const w = m.graph.initializer.find((t: { name: string }) => t.name === wName);
    const bytes = Uint8Array.from(w.rawData as Uint8Array);
    const raw = new Float32Array(bytes.buffer);
    for (let i = 0; i < raw.length; i++) raw[i]! *= 1.5;
    w.rawData = new Uint8Array(raw.buffer);
    const dir = await mkdtemp(join(tmpdir(), 'ev-dbg-'));
    const planted = join(dir, 'vocoder-planted.onnx');
    await writeFile(planted, await encodeOnnxModel(m));
    const d = await firstDeparture(VOC, planted, feeds, 1e-5);
    expect(d.first?.tensor).toBe(target.output[0]);
    expect(d.first!.relL2).toBeGreaterThan(0.1);
  });
});
