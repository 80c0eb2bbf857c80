// The one-node EPContext model `build` writes beside each engine, so that ONNX Runtime's TensorRT
// provider deserializes OUR engine instead of building its own from an ONNX graph (`--backend trt`).
// Format as onnxruntime's python/tools/tensorrt/gen_trt_engine_wrapper_onnx_model.py writes it: one node
// `EPContext` in domain `com.microsoft` whose inputs and outputs are the engine's I/O tensors, attribute
// `embed_mode` 0 (the engine stays a file) and `ep_cache_context` the engine's path, relative to the
// model's folder so the pair can move together. The graph's inputs/outputs carry the engine's names,
// dtypes and dims: those of the ONNX file the engine was built from, whose dynamic dims TensorRT keeps
// dynamic (-1) whatever the optimisation profile's ranges; they keep their symbolic names here.
// Pure: plain data in, a ModelProto object out (encodeOnnxModel makes the bytes); never reads the engine.
import { UserError } from '../core/errors.ts';

export interface EpContextIo {
  name: string;
  dtype: string;
  /** number = static, string = dynamic (symbolic). */
  dims: (number | string | null)[];
}

export interface EpContextSpec {
  /** The engine file, relative to the EPContext model's folder (a bare file name when they sit side by side). */
  engine: string;
  inputs: EpContextIo[];
  outputs: EpContextIo[];
  /** Graph name (default trt_engine_wrapper, as onnxruntime's script names it). */
  name?: string;
}

/** Our dtype names → TensorProto.DataType, for the dtypes a TensorRT engine's I/O can have. */
const ELEM_TYPE: Record<string, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, bfloat16: 16, float8e4m3fn: 17 };

/** The EPContext opset versions: com.microsoft 1 (contrib ops), and the default domain for the checker. */
export const EPCONTEXT_OPSETS = [
  { domain: '', version: 17 },
  { domain: 'com.microsoft', version: 1 },
];

function valueInfo(io: EpContextIo, where: string, symbolic: () => string): object {
  const elemType = ELEM_TYPE[io.dtype];
  if (!elemType) {
    throw new UserError(`${where} ${io.name}: dtype ${io.dtype} cannot be a TensorRT engine's input or output`, { hint: `the engine's I/O must be one of ${Object.keys(ELEM_TYPE).join(', ')}; convert the model's I/O first` });
  }
  const dim = io.dims.map((d) => (typeof d === 'number' && d > 0 ? { dimValue: d } : { dimParam: typeof d === 'string' && d ? d : symbolic() }));
  return { name: io.name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** The one-node EPContext ModelProto (as a protobufjs object) for an engine and its I/O. Pure. */
export function epContextModel(spec: EpContextSpec): Record<string, unknown> {
  if (!spec.engine || spec.engine.startsWith('/')) {
    throw new UserError(`EPContext engine path "${spec.engine}" must be relative to the model's folder`, { hint: 'write the EPContext model beside the engine' });
  }
  if (!spec.inputs.length || !spec.outputs.length) throw new UserError('an engine without inputs or outputs cannot be wrapped in an EPContext model', { hint: 'check the ONNX file the engine was built from' });
  let free = 0;
  const symbolic = () => `free_dim_${free++}`;
  const attr = (name: string, v: { i: number } | { s: Uint8Array }) => ({ name, ...('i' in v ? { type: 2, i: v.i } : { type: 3, s: v.s }) });
  const node = {
    name: 'EPContext',
    opType: 'EPContext',
    domain: 'com.microsoft',
    input: spec.inputs.map((i) => i.name),
    output: spec.outputs.map((o) => o.name),
    attribute: [attr('embed_mode', { i: 0 }), attr('ep_cache_context', { s: new TextEncoder().encode(spec.engine) })],
  };
  return {
    irVersion: 8,
    producerName: 'emovoice',
    opsetImport: EPCONTEXT_OPSETS,
    graph: {
      name: spec.name ?? 'trt_engine_wrapper',
      node: [node],
      input: spec.inputs.map((i) => valueInfo(i, 'input', symbolic)),
      output: spec.outputs.map((o) => valueInfo(o, 'output', symbolic)),
    },
  };
}

/** Where the EPContext model of an engine lives: beside it, `<module>.engine` → `<module>.epctx.onnx`. */
export function epContextFile(engine: string): string {
  return engine.replace(/\.engine$/, '') + '.epctx.onnx';
}

