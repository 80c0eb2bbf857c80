// Adapter: read ONNX files with protobufjs and onnx.proto — inputs/outputs with symbolic dims, opsets,
// op histogram, parameter counts, external-data files — without ever reading external weights.
// Corrupt, truncated or foreign files become one UserError naming the file, never a stack trace.
import type { Root, Type } from 'protobufjs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.ts';
import { ONNX_DTYPES, type OnnxIo } from './onnx-types.ts';

const PROTO = join(dirname(fileURLToPath(import.meta.url)), 'onnx.proto');
let root: Promise<Root> | null = null;

/** A message type of onnx.proto (protobufjs loads and parses the schema once, on first use). */
export async function onnxType(name: string): Promise<Type> {
  root ??= import('protobufjs').then((m) => m.default.load(PROTO));
  return (await root).lookupType(name);
}

const ModelProto = () => onnxType('onnx.ModelProto');

export { ONNX_DTYPES, type OnnxIo } from './onnx-types.ts';

export interface OnnxInfo {
  path: string;
  fileBytes: number;
  irVersion: number;
  producer: string;
  graphName: string;
  opsets: { domain: string; version: number }[];
  inputs: OnnxIo[];
  outputs: OnnxIo[];
  opHistogram: Record<string, number>;
  nodeCount: number;
  parameterCount: number;
  parameterBytes: number;
  externalData: { location: string; bytes: number; exists: boolean }[];
}

const TWO_GB = 2 ** 31;

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function decodeOnnxModel(bytes: Uint8Array, file = '<onnx>'): Promise<any> {
  const T = await ModelProto();
  try {
    const m = T.decode(bytes) as any;
    if (!m.graph) throw new Error('no graph');
    return m;
  } catch (e) {
    throw new UserError(`not a valid ONNX model (${e instanceof Error ? e.message.split('\n')[0] : e})`, {
      place: { file },
      hint: 'the file is corrupt or truncated; re-export the model',
    });
  }
}

export async function encodeOnnxModel(model: any): Promise<Uint8Array> {
  const T = await ModelProto();
  return T.encode(model).finish();
}

function num(v: any): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : Number(v.toString());
}

/** A ValueInfoProto as our input/output description. */
export function ioOf(v: any): OnnxIo {
  const t = v.type?.tensorType;
  const dtype = ONNX_DTYPES[t?.elemType ?? 0]?.[0] ?? 'unknown';
  const dims = (t?.shape?.dim ?? []).map((d: any) => (d.dimParam ? d.dimParam : d.dimValue != null && num(d.dimValue) > 0 ? num(d.dimValue) : null));
  return { name: v.name, dtype, dims };
}

export async function readOnnxModel(path: string): Promise<OnnxInfo> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new UserError('ONNX file not found', { place: { file: path }, hint: 'check the path in the profile or model manifest' });
  if (st.isDirectory()) throw new UserError('is a folder, not an ONNX file', { place: { file: path }, hint: 'give the path of a .onnx file' });
  if (st.size >= TWO_GB) {
    throw new UserError(`the .onnx file itself is ${(st.size / 2 ** 30).toFixed(1)} GiB; protobuf cannot hold more than 2 GiB`, {
      place: { file: path },
      hint: 're-export with external data (onnx.save(..., save_as_external_data=True))',
    });
  }
  const m = await decodeOnnxModel(await readFile(path), path);
  const g = m.graph;
  const init = new Set<string>((g.initializer ?? []).map((t: any) => t.name));
  const hist: Record<string, number> = {};
  for (const n of g.node ?? []) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}::${n.opType}` : n.opType;
    hist[key] = (hist[key] ?? 0) + 1;
  }
  let parameterCount = 0;
  let parameterBytes = 0;
  const external = new Map<string, number>();
  for (const t of g.initializer ?? []) {
    const count = (t.dims ?? []).reduce((a: number, d: any) => a * num(d), 1);
    parameterCount += count;
    parameterBytes += count * (ONNX_DTYPES[t.dataType]?.[1] ?? 0);
    if (t.dataLocation === 1) {
      const kv = Object.fromEntries((t.externalData ?? []).map((e: any) => [e.key, e.value]));
      const loc = String(kv.location ?? '');
      external.set(loc, (external.get(loc) ?? 0) + Number(kv.length ?? count * (ONNX_DTYPES[t.dataType]?.[1] ?? 0)));
    }
  }
  const externalData = [];
  for (const [location, bytes] of external) {
    const exists = !!(await stat(resolve(dirname(path), location)).catch(() => null));
    externalData.push({ location, bytes, exists });
  }
  return {
    path,
    fileBytes: st.size,
    irVersion: num(m.irVersion),
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
    graphName: g.name ?? '',
    opsets: (m.opsetImport ?? []).map((o: any) => ({ domain: o.domain || 'ai.onnx', version: num(o.version) })),
    inputs: (g.input ?? []).filter((v: any) => !init.has(v.name)).map(ioOf),
    outputs: (g.output ?? []).map(ioOf),
    opHistogram: hist,
    nodeCount: (g.node ?? []).length,
    parameterCount,
    parameterBytes,
    externalData,
  };
}
