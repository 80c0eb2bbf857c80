// Adapter: the graph's inputs, outputs and opsets of an ONNX file, read without its weights — for lints
// (`doctor`) that check a profile's shapes against every bundled model and must stay light. The file is
// walked field by field through the protobuf wire format in small reads: initializers and nodes (the
// weights, and Constant nodes' tensors) are skipped by seeking past them, never read or decoded; only the
// small ValueInfoProto messages of the graph's inputs and outputs are decoded, here, by field number (no
// protobuf library or schema is loaded: test/model/onnx-io.test.ts holds it to onnx.ts's decoder on every
// model the project has). A file that is not ONNX, or is cut short, is one UserError naming it.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { UserError } from '../core/errors.ts';
import type { OnnxInfo } from './onnx.ts';
import { ONNX_DTYPES, type OnnxIo } from './onnx-types.ts';

/** What a lint needs of an ONNX model: its graph's interface, never its weights. */
export type OnnxGraphIo = Pick<OnnxInfo, 'path' | 'fileBytes' | 'irVersion' | 'producer' | 'graphName' | 'opsets' | 'inputs' | 'outputs'>;

const CHUNK = 64 * 1024;

/** Sequential reads over a file handle, with a small window; skip() moves past bytes without reading them. */
class WireReader {
  private buf = Buffer.alloc(0);
  private start = 0; // file offset of buf[0]
  pos = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly file: string,
  ) {}

  private truncated(): never {
    throw new UserError('not a valid ONNX model (the protobuf ends mid-field)', { place: { file: this.file }, hint: 'the file is corrupt or truncated; re-export the model' });
  }

  private async fill(n: number): Promise<void> {
    if (this.pos + n > this.size) this.truncated();
    if (this.pos >= this.start && this.pos + n <= this.start + this.buf.length) return;
    const len = Math.min(Math.max(n, CHUNK), this.size - this.pos);
    const b = Buffer.alloc(len);
    const { bytesRead } = await this.fh.read(b, 0, len, this.pos);
    if (bytesRead < n) this.truncated();
    this.buf = b.subarray(0, bytesRead);
    this.start = this.pos;
  }

  async varint(): Promise<number> {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      await this.fill(1);
      const byte = this.buf[this.pos - this.start]!;
      this.pos++;
      result += (byte & 0x7f) * mul;
      if (!(byte & 0x80)) return result;
      mul *= 128;
    }
    this.truncated();
  }

  async bytes(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const out = Uint8Array.prototype.slice.call(this.buf, this.pos - this.start, this.pos - this.start + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    if (this.pos + n > this.size) this.truncated();
    this.pos += n;
  }

  /** Skips the value of a field of this wire type. */
  async skipValue(wire: number): Promise<void> {
    if (wire === 0) await this.varint();
    else if (wire === 1) this.skip(8);
    else if (wire === 2) this.skip(await this.varint());
    else if (wire === 5) this.skip(4);
    else throw new UserError(`not a valid ONNX model (protobuf wire type ${wire})`, { place: { file: this.file }, hint: 'the file is corrupt or not an ONNX model; re-export the model' });
  }

  /** The fields of a message ending at `end`: calls each with its number and wire type; it must consume the value (or skip it). */
  async fields(end: number, each: (field: number, wire: number) => Promise<void>): Promise<void> {
    while (this.pos < end) {
      const tag = await this.varint();
      await each(Math.floor(tag / 8), tag & 7);
    }
    if (this.pos !== end) this.truncated();
  }
}

const utf8 = new TextDecoder();

/** Inputs, outputs and opsets of an ONNX model, reading none of its weights (see the top of this file). */
export async function readOnnxGraphIo(path: string): Promise<OnnxGraphIo> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new UserError('ONNX file not found', { place: { file: path }, hint: 'check the path in the profile or model manifest' });
  if (st.isDirectory()) throw new UserError('is a folder, not an ONNX file', { place: { file: path }, hint: 'give the path of a .onnx file' });
  const fh = await open(path, 'r');
  try {
    return await walk(fh, path, st.size);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`not a valid ONNX model (${e instanceof Error ? e.message.split('\n')[0] : e})`, { place: { file: path }, hint: 'the file is corrupt or truncated; re-export the model' });
  } finally {
    await fh.close();
  }
}

async function walk(fh: FileHandle, path: string, size: number): Promise<OnnxGraphIo> {
  const r = new WireReader(fh, size, path);
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  let graphName = '';
  let sawGraph = false;
  const opsets: OnnxGraphIo['opsets'] = [];
  const inputs: OnnxGraphIo['inputs'] = [];
  const outputs: OnnxGraphIo['outputs'] = [];
  const initializers = new Set<string>();
  const str = async () => utf8.decode(await r.bytes(await r.varint()));
  // a TensorProto's name (field 8), its data skipped
  const tensorName = async (end: number) => {
    let name = '';
    await r.fields(end, async (f, w) => (f === 8 && w === 2 ? void (name = await str()) : r.skipValue(w)));
    return name;
  };
  await r.fields(size, async (f, w) => {
    if (f === 1 && w === 0) irVersion = await r.varint();
    else if (f === 2 && w === 2) producerName = await str();
    else if (f === 3 && w === 2) producerVersion = await str();
    else if (f === 8 && w === 2) {
      const end = (await r.varint()) + r.pos;
      let domain = '';
      let version = 0;
      await r.fields(end, async (g, v) => {
        if (g === 1 && v === 2) domain = await str();
        else if (g === 2 && v === 0) version = await r.varint();
        else await r.skipValue(v);
      });
      opsets.push({ domain: domain || 'ai.onnx', version });
    } else if (f === 7 && w === 2) {
      sawGraph = true;
      const end = (await r.varint()) + r.pos;
      await r.fields(end, async (g, v) => {
        if (g === 2 && v === 2) graphName = await str();
        else if ((g === 11 || g === 12) && v === 2) {
          const info = await valueInfo(r, (await r.varint()) + r.pos);
          (g === 11 ? inputs : outputs).push(info);
        } else if (g === 5 && v === 2) initializers.add(await tensorName((await r.varint()) + r.pos));
        else if (g === 15 && v === 2) {
          // SparseTensorProto: its values (field 1) carry the name
          const send = (await r.varint()) + r.pos;
          await r.fields(send, async (h, x) => (h === 1 && x === 2 ? void initializers.add(await tensorName((await r.varint()) + r.pos)) : r.skipValue(x)));
        } else await r.skipValue(v); // nodes, value_info, docs: skipped unread
      });
    } else await r.skipValue(w);
  });
  if (!sawGraph) throw new UserError('not a valid ONNX model (no graph)', { place: { file: path }, hint: 'the file is corrupt or truncated; re-export the model' });
  return {
    path,
    fileBytes: size,
    irVersion,
    producer: [producerName, producerVersion].filter(Boolean).join(' '),
    graphName,
    opsets,
    inputs: inputs.filter((i) => !initializers.has(i.name)),
    outputs,
  };
}

/**
 * A ValueInfoProto (1 name, 2 TypeProto) as onnx.ts's ioOf describes it: TypeProto.tensor_type (1) →
 * elem_type (1) and shape (2) → dim (1) → dim_value (1) or dim_param (2); a dim that is neither a positive
 * value nor a name is null, a type that is not a tensor is 'unknown' with no dims.
 */
async function valueInfo(r: WireReader, end: number): Promise<OnnxIo> {
  const io: OnnxIo = { name: '', dtype: 'unknown', dims: [] };
  const len = async () => (await r.varint()) + r.pos;
  await r.fields(end, async (f, w) => {
    if (f === 1 && w === 2) io.name = utf8.decode(await r.bytes(await r.varint()));
    else if (f === 2 && w === 2) {
      await r.fields(await len(), async (g, v) => {
        if (g !== 1 || v !== 2) return r.skipValue(v);
        await r.fields(await len(), async (h, x) => {
          if (h === 1 && x === 0) io.dtype = ONNX_DTYPES[await r.varint()]?.[0] ?? 'unknown';
          else if (h === 2 && x === 2) {
            await r.fields(await len(), async (i, y) => {
              if (i !== 1 || y !== 2) return r.skipValue(y);
              let value = 0;
              let param = '';
              await r.fields(await len(), async (j, z) => {
                if (j === 1 && z === 0) value = await r.varint();
                else if (j === 2 && z === 2) param = utf8.decode(await r.bytes(await r.varint()));
                else await r.skipValue(z);
              });
              // a negative int64 arrives as a 10-byte varint: above 2^53, never a real dim
              io.dims.push(param ? param : value > 0 && value <= Number.MAX_SAFE_INTEGER ? value : null);
            });
          } else await r.skipValue(x);
        });
      });
    } else await r.skipValue(w);
  });
  return io;
}
