// exposeIntermediates on a Q/DQ graph: QuantizeLinear's output has its zero point's type (int8 here), not
// its input's float, so it is not offered as a float tensor; DequantizeLinear's output is float again and
// is. ONNX Runtime runs the exposed model and returns exactly the float intermediates.
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel, encodeOnnxModel } from '../../src/model/onnx.ts';
import { elementTypes, exposeIntermediates } from '../../src/runtime/expose.ts';
import { OrtRunner } from '../../src/runtime/ort.ts';
import { io, model, node, tensor } from '../precision/graphs.ts';

const INT8 = 3;
const UINT8 = 2;

/** x → Relu → QuantizeLinear(scale, zp int8) → DequantizeLinear → Mul(2) → y; and a zp-less QuantizeLinear → uint8 */
function qdq() {
  return model(
    {
      nodes: [
        node('Relu', 'relu', ['x'], ['r']),
        node('QuantizeLinear', 'q', ['r', 'scale', 'zp'], ['q8']),
        node('DequantizeLinear', 'dq', ['q8', 'scale', 'zp'], ['d']),
        node('Mul', 'twice', ['d', 'two'], ['y']),
        node('QuantizeLinear', 'qu', ['r', 'scale'], ['qu8']),
      ],
      inputs: [io('x', [1, 4])],
      outputs: [io('y', [1, 4])],
      inits: [tensor('scale', [], [0.5]), tensor('two', [], [2]), { name: 'zp', dataType: INT8, dims: [], rawData: new Uint8Array([0]) }],
    },
    13,
  );
}

describe('exposeIntermediates on Q/DQ', () => {
  it('types QuantizeLinear by its zero point (uint8 without one) and DequantizeLinear by its scale', () => {
    const t = elementTypes(qdq().graph);
    expect(t.get('q8')).toBe(INT8);
    expect(t.get('qu8')).toBe(UINT8);
    expect(t.get('d')).toBe(1);
  });

  it('exposes only the float intermediates, and ONNX Runtime returns them', async () => {
    const { bytes, tensors } = await exposeIntermediates(await encodeOnnxModel(qdq()));
    expect(tensors).toEqual(['r', 'd']);
    expect((await decodeOnnxModel(bytes)).graph.output.map((o: { name: string }) => o.name)).toEqual(['y', 'r', 'd']);
    const runner = new OrtRunner('<qdq>', { modelBytes: bytes });
    await runner.load();
    try {
      const out = await runner.infer({ x: { dtype: 'float32', shape: [1, 4], data: Float32Array.from([-1, 0.3, 1.2, 40]) } });
      expect(Array.from(out.r!.data as Float32Array)).toEqual([0, Math.fround(0.3), Math.fround(1.2), 40]);
      // 0.3/0.5 = 0.6 → 1 → 0.5; 1.2/0.5 = 2.4 → 2 → 1.0; 40/0.5 = 80 → 80 → 40 (within int8)
      expect(Array.from(out.d!.data as Float32Array)).toEqual([0, 0.5, 1, 40]);
    } finally {
      await runner.close();
    }
  });
});
