// .npy encode/decode (NEP 1 / numpy.lib.format, versions 1.0, 2.0 and 3.0), little-endian, C order.
// Pure: bytes in, Tensor out (and back). File access lives in src/tensor/io.ts.
// Never guesses: fortran_order, big-endian, structured or unknown dtypes are a UserError naming the file.
import { UserError } from '../core/errors.ts';
import { numel, type DType, type Tensor, type TypedData } from './tensor.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64; // numpy pads the header so the data starts on a 64-byte boundary

interface DTypeInfo {
  dtype: DType;
  size: number;
}

/** numpy descr (byte-order char + kind + size) → our dtype. '<' and '|' are accepted; '=' too on a LE host. */
const DESCR: Record<string, DTypeInfo> = {
  f4: { dtype: 'float32', size: 4 },
  f2: { dtype: 'float16', size: 2 },
  f8: { dtype: 'float64', size: 8 },
  i1: { dtype: 'int8', size: 1 },
  u1: { dtype: 'uint8', size: 1 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  b1: { dtype: 'bool', size: 1 },
};

const WRITE_DESCR: Record<DType, string> = {
  float32: '<f4',
  float16: '<f2',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int32: '<i4',
  int64: '<i8',
  bool: '|b1',
};

export function dtypeSize(dtype: DType): number {
  return DESCR[WRITE_DESCR[dtype].slice(1)]!.size;
}

/** Decode a whole .npy file. `file` only names the source in error messages. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): Tensor {
  const bad = (msg: string, hint?: string) => new UserError(msg, { place: { file }, hint });
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw bad('not a .npy file (missing the \\x93NUMPY magic)', 'write it with numpy.save');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated .npy header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw bad(`unsupported .npy format version ${major}.${bytes[7]}`, 'write it with numpy.save (format 1.0, 2.0 or 3.0)');
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw bad('truncated .npy header');
  const headerBytes = bytes.subarray(headerStart, dataStart);
  // 1.0/2.0 headers are latin1 (in practice ASCII), 3.0 is utf8
  const header = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes);
  const dict = parseHeader(header, file);

  const descr = dict.descr;
  if (typeof descr !== 'string') throw bad(`unsupported dtype ${JSON.stringify(descr)} (structured arrays are not tensors)`);
  const order = descr[0];
  if (order === '>') {
    throw bad(`big-endian dtype '${descr}' is not supported`, "save a little-endian copy: np.save(path, a.astype(a.dtype.newbyteorder('<')))");
  }
  const info = DESCR[order === '<' || order === '|' || order === '=' ? descr.slice(1) : descr];
  if (!info) {
    throw bad(
      `unsupported dtype '${descr}'`,
      `convert it first, e.g. a.astype(np.float32); supported: ${Object.values(WRITE_DESCR).join(' ')}`,
    );
  }
  if (typeof dict.fortran_order !== 'boolean') throw bad(`bad .npy header (no fortran_order): ${header.trim()}`);
  if (dict.fortran_order) {
    throw bad('fortran_order arrays are not supported', 'save a C-order copy: np.save(path, np.ascontiguousarray(a))');
  }
  const rawShape = dict.shape;
  if (!Array.isArray(rawShape) || rawShape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
    throw bad(`bad shape in .npy header: ${header.trim()}`);
  }
  const shape = rawShape as number[];
  const count = numel(shape);
  const nbytes = count * info.size;
  if (dataStart + nbytes > bytes.length) {
    throw bad(`truncated .npy data: shape (${shape.join(', ')}) needs ${nbytes} bytes, file has ${bytes.length - dataStart}`);
  }
  // copy: the data offset need not be aligned for the typed array, and the caller owns the result
  const buf = bytes.slice(dataStart, dataStart + nbytes).buffer;
  return { dtype: info.dtype, shape, data: typedView(info.dtype, buf, count) };
}

function typedView(dtype: DType, buf: ArrayBuffer, count: number): TypedData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, 0, count);
    case 'float64':
      return new Float64Array(buf, 0, count);
    case 'float16':
      return new Uint16Array(buf, 0, count);
    case 'int8':
      return new Int8Array(buf, 0, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf, 0, count);
    case 'int32':
      return new Int32Array(buf, 0, count);
    case 'int64':
      return new BigInt64Array(buf, 0, count);
  }
}

/** Encode a tensor as .npy (version 1.0, or 2.0 when the header would not fit). */
export function encodeNpy(t: Tensor): Uint8Array {
  const count = numel(t.shape);
  if (t.data.length !== count) {
    throw new Error(`tensor data has ${t.data.length} elements, shape [${t.shape.join(', ')}] needs ${count}`);
  }
  const shapeRepr = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let dict = `{'descr': '${WRITE_DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  let version = 1;
  let prefix = 10;
  if (dict.length + 1 + prefix > 0xffff) {
    version = 2;
    prefix = 12;
  }
  const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  dict = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const src = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(total + src.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out.set(src, total);
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

type PyValue = string | boolean | number | null | PyValue[] | { [k: string]: PyValue };

/** The header is a Python dict literal: strings, True/False/None, ints, tuples/lists, nested dicts. */
function parseHeader(text: string, file: string): Record<string, PyValue> {
  let i = 0;
  const fail = (what: string): never => {
    throw new UserError(`unreadable .npy header (${what} at offset ${i}): ${text.trim()}`, { place: { file } });
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '{') {
      i++;
      const obj: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return obj;
        }
        const k = value();
        if (typeof k !== 'string') fail('non-string key');
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[k as string] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const arr: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return arr;
        }
        arr.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number.parseInt(m[0], 10);
  };
  const v = value();
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('not a dict');
  return v as Record<string, PyValue>;
}
