// The receptive field computed from ONNX graphs: hand-checkable small graphs (one op at a time, the
// formulas in src/model/receptive.ts), then the real exported graphs: HiFi-GAN vocoders are bounded at
// 256 samples a frame, attention decoders are not chunkable. That the fields are enough (chunked audio
// equals whole audio) and needed (one frame less changes it) is test/pipeline/stream.test.ts.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../../src/model/onnx.ts';
import { contextFrames, exactContext, graphOf, receptiveField, type GraphNode, type RfGraph } from '../../src/model/receptive.ts';

const ROOT = resolve(__dirname, '../..');
const g = (nodes: Partial<GraphNode>[], constants: Record<string, number[]> = {}): RfGraph => ({
  nodes: nodes.map((n, i) => ({ op: n.op!, name: n.name ?? `n${i}`, inputs: n.inputs ?? [], outputs: n.outputs ?? [], attrs: n.attrs ?? {} })),
  constants: new Map(Object.entries(constants)),
  initializers: new Set(Object.keys(constants)),
});
const x = [{ name: 'x', axis: -1, rank: 3 }];
const real = async (file: string) => graphOf(await decodeOnnxModel(await readFile(resolve(ROOT, file))));

describe('receptiveField on small graphs', () => {
  it('a dilated conv reads (k-1)·d/2 frames each side; a strided one halves the rate', () => {
    const conv = g([{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [5], dilations: [2], pads: [4, 4] } }]);
    expect(receptiveField(conv, x, 'y')).toEqual({ kind: 'bounded', axis: -1, scale: 1, left: 4, right: 4 });
    const two = g([
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['h'], attrs: { kernel_shape: [4], strides: [2], pads: [1, 1] } },
      { op: 'Conv', inputs: ['h', 'w2'], outputs: ['y'], attrs: { kernel_shape: [3], pads: [1, 1] } },
    ]);
    // first: left 1, right 2; second at half rate: one position = 2 frames each side
    expect(receptiveField(two, x, 'y')).toEqual({ kind: 'bounded', axis: -1, scale: 0.5, left: 3, right: 4 });
  });

  it('a transposed conv upsamples by its stride and reads (k-1-p)/s frames back, p/s ahead', () => {
    const up = g([{ op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [16], strides: [8], pads: [4, 4] } }]);
    expect(receptiveField(up, x, 'y')).toEqual({ kind: 'bounded', axis: -1, scale: 8, left: 11 / 8, right: 4 / 8 });
    expect(contextFrames({ axis: -1, scale: 8, left: 11 / 8, right: 0.5 })).toEqual({ left: 2, right: 1 });
    // in whole positions: the 8 samples of frame f read frames f−1 … f+1 (the fractional bound rounds up to 2 on the left)
    expect(exactContext(up, x, 'y')).toEqual({ left: 1, right: 1 });
  });

  it('branches meet at the wider field; a residual path adds nothing', () => {
    const res = g([
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['a'], attrs: { kernel_shape: [3], dilations: [3], pads: [3, 3] } },
      { op: 'LeakyRelu', inputs: ['a'], outputs: ['b'] },
      { op: 'Add', inputs: ['x', 'b'], outputs: ['y'] },
    ]);
    expect(receptiveField(res, x, 'y')).toMatchObject({ kind: 'bounded', left: 3, right: 3 });
  });

  it('shape-only uses (a mask of ones the size of the input) carry no context', () => {
    const mask = g([
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'ConstantOfShape', inputs: ['s'], outputs: ['m'] },
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [5], pads: [2, 2] } },
      { op: 'Mul', inputs: ['c', 'm'], outputs: ['y'] },
    ]);
    expect(receptiveField(mask, x, 'y')).toMatchObject({ kind: 'bounded', left: 2, right: 2 });
  });

  it('a product across frames is unbounded; slicing the time axis is not followed', () => {
    const attn = g([{ op: 'MatMul', inputs: ['x', 'k'], outputs: ['y'] }]);
    expect(receptiveField(attn, x, 'y')).toMatchObject({ kind: 'unbounded', op: 'MatMul' });
    const linear = g([{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }]);
    expect(receptiveField(linear, [{ name: 'x', axis: -2, rank: 3 }], 'y')).toMatchObject({ kind: 'bounded', axis: -2, left: 0 });
    const cut = g([{ op: 'Slice', inputs: ['x', 's', 'e', 'ax'], outputs: ['y'] }], { s: [0], e: [10], ax: [2] });
    expect(receptiveField(cut, x, 'y')).toMatchObject({ kind: 'unsupported', op: 'Slice', why: 'it slices the time axis' });
    const channels = g([{ op: 'Slice', inputs: ['x', 's', 'e', 'ax'], outputs: ['y'] }], { s: [0], e: [10], ax: [1] });
    expect(receptiveField(channels, x, 'y')).toMatchObject({ kind: 'bounded', left: 0 });
    expect(receptiveField(g([{ op: 'Gather', inputs: ['x', 'i'], outputs: ['y'] }]), x, 'y')).toMatchObject({ kind: 'unsupported', op: 'Gather' });
  });
});

describe('receptiveField on the exported graphs', () => {
  it('HiFi-GAN vocoders: bounded, 256 samples a frame, the field the sum of their kernels', async () => {
    for (const [file, left, right, exact] of [
      ['models/tiny/vocoder.onnx', 7.1796875, 6.18359375, { left: 7, right: 7 }],
      ['models/emotivoice-tiny/vocoder.onnx', 8.046875, 7.05078125, { left: 8, right: 8 }],
    ] as const) {
      const graph = await real(file);
      const mel = [{ name: 'mel', axis: -1, rank: 3 }];
      expect(receptiveField(graph, mel, 'waveform'), file).toEqual({ kind: 'bounded', axis: -1, scale: 256, left, right });
      expect(exactContext(graph, mel, 'waveform'), file).toEqual(exact);
    }
  });

  it('attention decoders are not chunkable (every frame reads every other)', async () => {
    for (const [file, input, axis] of [
      ['models/tiny/acoustic_decoder.onnx', 'frame_hidden', -2],
      ['models/emotivoice-tiny/acoustic_decoder.onnx', 'frame_times', -1],
    ] as const) {
      const rf = receptiveField(await real(file), [{ name: input, axis, rank: axis === -2 ? 3 : 2 }], 'mel');
      expect(rf.kind, file).not.toBe('bounded');
      expect(exactContext(await real(file), [{ name: input, axis, rank: axis === -2 ? 3 : 2 }], 'mel')).toBeNull();
    }
  });
});
