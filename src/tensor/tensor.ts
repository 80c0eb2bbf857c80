// Tensor: plain data (dtype, shape, typed array) moved between file formats, runners and comparators.
// Pure: no I/O here. Typed arrays end to end; never arrays of numbers on hot paths.

export type DType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

export type TypedData =
  | Float32Array
  | Float64Array
  | Uint16Array // float16 bit patterns
  | Int8Array
  | Uint8Array // uint8 and bool
  | Int32Array
  | BigInt64Array;

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TypedData;
}

export type TensorMap = Record<string, Tensor>;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensor(dtype: DType, shape: number[], data: TypedData): Tensor {
  if (data.length !== numel(shape)) {
    throw new Error(`tensor data has ${data.length} elements, shape [${shape.join(', ')}] needs ${numel(shape)}`);
  }
  return { dtype, shape, data };
}
