// The one-node EPContext model `build` writes beside each engine (src/build/epcontext.ts): for the
// bundled tiny vocoder (a real export), byte-equal to the committed golden, with the engine's names,
// dtypes, dims and relative path, and accepted by onnx.checker.
import { execa } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { epContextFile, epContextModel } from '../../src/build/epcontext.ts';
import { writeEpContext } from '../../src/build/execute.ts';
import { UserError } from '../../src/core/errors.ts';
import { decodeOnnxModel, readOnnxModel } from '../../src/model/onnx.ts';
import { requirePython, ROOT } from '../support/setup.ts';

const GOLDEN = resolve(ROOT, 'test/fixtures/epcontext/vocoder.epctx.onnx');
const VOCODER = resolve(ROOT, 'models/tiny/vocoder.onnx');
const hasOnnx = requirePython(['onnx']);

describe('EPContext model', () => {
  it('is written beside the engine: byte-equal to the golden, I/O of the model the engine was built from', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-epctx-'));
    const file = await writeEpContext(join(dir, 'vocoder.engine'), VOCODER);
    expect(file).toBe(join(dir, 'vocoder.epctx.onnx'));
    const bytes = await readFile(file);
    if (process.env.UPDATE_GOLDEN) await writeFile(GOLDEN, bytes);
    expect(Buffer.compare(bytes, await readFile(GOLDEN))).toBe(0);
    const m = await decodeOnnxModel(bytes);
    expect(m.opsetImport.map((o: { domain: string; version: unknown }) => [o.domain, Number(o.version)])).toEqual([['', 17], ['com.microsoft', 1]]);
    const [node] = m.graph.node;
    expect(m.graph.node).toHaveLength(1);
    expect(node).toMatchObject({ opType: 'EPContext', domain: 'com.microsoft', input: ['mel'], output: ['waveform'] });
    const attrs = Object.fromEntries(node.attribute.map((a: { name: string; type: number; i?: unknown; s?: Uint8Array }) => [a.name, a.type === 3 ? Buffer.from(a.s!).toString() : Number(a.i)]));
    expect(attrs).toEqual({ embed_mode: 0, ep_cache_context: 'vocoder.engine' });
    const ours = await readOnnxModel(file);
    const src = await readOnnxModel(VOCODER);
    expect(ours.inputs).toEqual(src.inputs);
    expect(ours.outputs).toEqual(src.outputs);
    expect(ours.inputs).toEqual([{ name: 'mel', dtype: 'float32', dims: ['batch', 80, 'mel_len'] }]);
  });

  it.skipIf(!hasOnnx)('passes onnx.checker (full check)', async () => {
    const r = await execa('python3', ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")', GOLDEN], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  it('FP16 I/O and fixed dims keep their type and size; unknown dims get free names', () => {
    const m = epContextModel({ engine: 'dec.engine', inputs: [{ name: 'x', dtype: 'float16', dims: [1, null, 'frames'] }], outputs: [{ name: 'y', dtype: 'int64', dims: [null] }] }) as any;
    expect(m.graph.input[0].type.tensorType).toEqual({ elemType: 10, shape: { dim: [{ dimValue: 1 }, { dimParam: 'free_dim_0' }, { dimParam: 'frames' }] } });
    expect(m.graph.output[0].type.tensorType).toEqual({ elemType: 7, shape: { dim: [{ dimParam: 'free_dim_1' }] } });
  });

  it('refuses an absolute engine path and a dtype no engine has, naming the tensor', () => {
    expect(() => epContextModel({ engine: '/abs/v.engine', inputs: [{ name: 'x', dtype: 'float32', dims: [1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [1] }] })).toThrow(/must be relative/);
    let err: unknown;
    try {
      epContextModel({ engine: 'v.engine', inputs: [{ name: 'x', dtype: 'float64', dims: [1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [1] }] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^input x: dtype float64 cannot be a TensorRT engine's input or output$/);
  });

  it('lives beside its engine', () => {
    expect(epContextFile('/out/a10g/vocoder.engine')).toBe('/out/a10g/vocoder.epctx.onnx');
  });
});
