// The inputs and outputs of an ONNX file, read from its protobuf without reading its weights: the file
// is walked field by field with positional reads, and every field that is not the graph's input/output
// list (initializers, nodes, raw tensor data) is skipped by its length, never read. So checking a
// manifest against its ONNX files costs a few small reads per file, whatever the model's size.
// Adapter (reads files); the walk itself is protobuf's wire format (varint tags, length-delimited fields).
import { open, type FileHandle } from 'node:fs/promises';
import { ONNX_DTYPES } from './onnx.ts';

export interface HeaderIo {
  name: string;
  dtype: string;
  /** Numbers for static dims, strings for named ones, null for a dim with neither. */
  dims: (number | string | null)[];
}

export interface OnnxHeader {
  inputs: HeaderIo[];
  outputs: HeaderIo[];
}

export class NotOnnxError extends Error {}

const CHUNK = 1 << 16;

/** A buffered positional reader over a file handle. */
class Reader {
  private buf = Buffer.alloc(0);
  private bufAt = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}
  private async byteAt(pos: number): Promise<number> {
    if (pos >= this.size) throw new NotOnnxError('the file ends inside a field (truncated?)');
    if (pos < this.bufAt || pos >= this.bufAt + this.buf.length) {
      const len = Math.min(CHUNK, this.size - pos);
      const b = Buffer.alloc(len);
      await this.fh.read(b, 0, len, pos);
      this.buf = b;
      this.bufAt = pos;
    }
    return this.buf[pos - this.bufAt]!;
  }
  async varint(pos: number): Promise<[number, number]> {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = await this.byteAt(pos + i);
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return [v, pos + i + 1];
    }
    throw new NotOnnxError('a malformed varint');
  }
  async bytes(pos: number, len: number): Promise<Buffer> {
    if (pos + len > this.size) throw new NotOnnxError('the file ends inside a field (truncated?)');
    const b = Buffer.alloc(len);
    await this.fh.read(b, 0, len, pos);
    return b;
  }
}

type Field = { field: number; wire: number; start: number; end: number; value?: number };

/** The fields of the message in [start, end), each with its extent; values of varint fields. */
async function* fields(r: Reader, start: number, end: number): AsyncGenerator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, p1] = await r.varint(pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new NotOnnxError('field number 0');
    if (wire === 0) {
      const [value, p2] = await r.varint(p1);
      yield { field, wire, start: p1, end: p2, value };
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = await r.varint(p1);
      if (p2 + len > end) throw new NotOnnxError('a field runs past the end of its message (truncated?)');
      yield { field, wire, start: p2, end: p2 + len };
      pos = p2 + len;
    } else if (wire === 1) pos = p1 + 8;
    else if (wire === 5) pos = p1 + 4;
    else throw new NotOnnxError(`wire type ${wire}`);
    if (pos > end) throw new NotOnnxError('a field runs past the end of its message (truncated?)');
  }
}

async function text(r: Reader, f: Field): Promise<string> {
  return (await r.bytes(f.start, f.end - f.start)).toString('utf8');
}

/** ValueInfoProto: name (1), type (2) → tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2). */
async function valueInfo(r: Reader, f: Field): Promise<HeaderIo> {
  const io: HeaderIo = { name: '', dtype: 'unknown', dims: [] };
  for await (const x of fields(r, f.start, f.end)) {
    if (x.field === 1 && x.wire === 2) io.name = await text(r, x);
    if (x.field !== 2 || x.wire !== 2) continue;
    for await (const t of fields(r, x.start, x.end)) {
      if (t.field !== 1 || t.wire !== 2) continue;
      for await (const tt of fields(r, t.start, t.end)) {
        if (tt.field === 1 && tt.wire === 0) io.dtype = ONNX_DTYPES[tt.value!]?.[0] ?? `type ${tt.value}`;
        if (tt.field !== 2 || tt.wire !== 2) continue;
        for await (const d of fields(r, tt.start, tt.end)) {
          if (d.field !== 1 || d.wire !== 2) continue;
          let dim: number | string | null = null;
          for await (const dv of fields(r, d.start, d.end)) {
            if (dv.field === 1 && dv.wire === 0) dim = dv.value!;
            if (dv.field === 2 && dv.wire === 2) dim = await text(r, dv);
          }
          io.dims.push(dim);
        }
      }
    }
  }
  return io;
}

/** The graph's inputs (less those that are initializers' names, found without reading their data) and outputs. */
export async function readOnnxHeader(path: string): Promise<OnnxHeader> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size === 0) throw new NotOnnxError('the file is empty');
    const r = new Reader(fh, size);
    let graph: Field | null = null;
    for await (const f of fields(r, 0, size)) if (f.field === 7 && f.wire === 2) graph = f; // ModelProto.graph
    if (!graph) throw new NotOnnxError('no graph in it');
    const inputs: HeaderIo[] = [];
    const outputs: HeaderIo[] = [];
    const initializers = new Set<string>();
    for await (const f of fields(r, graph.start, graph.end)) {
      if (f.wire !== 2) continue;
      if (f.field === 11) inputs.push(await valueInfo(r, f));
      else if (f.field === 12) outputs.push(await valueInfo(r, f));
      else if (f.field === 5) {
        // TensorProto.name is field 8; its data fields are skipped by length
        for await (const t of fields(r, f.start, f.end)) if (t.field === 8 && t.wire === 2) initializers.add(await text(r, t));
      }
    }
    return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
  } finally {
    await fh.close();
  }
}
