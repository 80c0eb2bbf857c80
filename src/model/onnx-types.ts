// The ONNX element types and the input/output description both ONNX readers share (onnx.ts, the full
// decoder; onnx-io.ts, the weightless one). Plain data: no protobuf library is loaded by importing it.

/** TensorProto.DataType → our dtype name and byte size. */
export const ONNX_DTYPES: Record<number, [string, number]> = {
  1: ['float32', 4], 2: ['uint8', 1], 3: ['int8', 1], 4: ['uint16', 2], 5: ['int16', 2], 6: ['int32', 4], 7: ['int64', 8],
  8: ['string', 0], 9: ['bool', 1], 10: ['float16', 2], 11: ['float64', 8], 12: ['uint32', 4], 13: ['uint64', 8],
  16: ['bfloat16', 2], 17: ['float8e4m3fn', 1], 18: ['float8e4m3fnuz', 1], 19: ['float8e5m2', 1], 20: ['float8e5m2fnuz', 1],
  21: ['uint4', 0.5], 22: ['int4', 0.5],
};

export interface OnnxIo {
  name: string;
  dtype: string;
  /** number = static, string = symbolic (dim_param), null = unknown. */
  dims: (number | string | null)[];
}
