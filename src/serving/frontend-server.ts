// The model's text frontend and host steps as a long-lived process for servers that are not Node
// (Triton's Python backend): `emovoice package` bundles this file, with every family's frontend, every
// registered host step and their dictionaries, into one dependency-free frontend.mjs. The steps are the
// registry's own (src/pipeline/registry.ts), so a step run here is exactly the TypeScript step.
// Protocol: one JSON object per line on stdin, one answer per line on stdout, in request order.
//   text:   {"text": "...", "language"?: "auto"|"en"|"zh"|…, "max_phonemes"?: N}
//           → {"sentences": [{"text": "...", "ids": [..]}, ...], "warnings": ["..."]}
//   step:   {"step": "<stage id in pipeline.json>", "inputs": {"<port>": VALUE, ...}}
//           → {"outputs": {"<port>": VALUE, ...}}
//           VALUE: {"dtype": "float32"|"int32"|…, "shape": [..], "data": "<base64 of the little-endian elements>"}
//                  or {"text": "..."} for text values (a sentence, a prompt)
//   ping:   {"ping": true} → {"pong": true, "steps": [registered step names], "frontend": "ok" | "<why not>"}
//   any request the frontend or a step refuses → {"error": "...", "fix"?: "...", "user"?: true}
//   (user: the request's input is at fault, as a UserError says; otherwise the step itself failed).
// Which frontend, with which options and symbol table, comes from frontend.json (the manifest's frontend
// section), and which step each stage runs with which params from pipeline.json, so ids and step outputs
// are the same as `emovoice synth` gives.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../core/errors.ts';
import { registry } from '../pipeline/registry.ts';
import type { Frontend, HostStep, Value, ValueMap } from '../pipeline/types.ts';
import type { DType, Tensor, TypedData } from '../tensor/tensor.ts';

export interface FrontendRequest {
  text: string;
  language?: string;
  max_phonemes?: number;
}

export type FrontendAnswer =
  | { sentences: { text: string; ids: number[] }[]; warnings: string[] }
  | { error: string; fix?: string };

/** What `emovoice package` writes as frontend.json: the manifest's frontend section and its symbols. */
export interface FrontendFile {
  name: string;
  section: Record<string, unknown>;
  symbols: string[];
}

export type WireValue = { dtype: DType; shape: number[]; data: string } | { text: string };
export type StepAnswer = { outputs: Record<string, WireValue> } | { error: string; fix?: string; user?: true };

export async function openFrontend(file: string): Promise<Frontend> {
  const f = JSON.parse(readFileSync(file, 'utf8')) as FrontendFile;
  const def = registry.frontend(f.name);
  if (!def) throw new UserError(`unknown frontend "${f.name}"`, { place: { file }, hint: `this bundle has: ${registry.frontendNames().join(', ')}` });
  return def.create(f.section, f.symbols, { manifestPath: file, dir: dirname(file), audio: { sample_rate: 0 }, place: { file, path: 'section' } });
}

/** One request → one answer; never throws for bad input. */
export async function answer(req: unknown, frontend: Frontend, defaultMax: number): Promise<FrontendAnswer> {
  const r = req as Partial<FrontendRequest> | null;
  if (!r || typeof r.text !== 'string') return { error: 'request needs a "text" string', fix: 'send {"text": "..."}' };
  const max = r.max_phonemes ?? defaultMax;
  try {
    const fe = await frontend.toIds(r.text, { limit: max, language: r.language === 'auto' ? undefined : r.language });
    const warnings = fe.split ? [`text split into ${fe.split.parts} sentences to stay within ${max} phonemes (serving.max_text_len)`] : [];
    warnings.push(...fe.warnings);
    return { sentences: fe.sentences.map((s) => ({ text: s.text, ids: Array.from(s.ids) })), warnings: [...new Set(warnings)] };
  } catch (e) {
    if (e instanceof UserError) return { error: e.message, ...(e.hint ? { fix: e.hint } : {}) };
    return { error: `frontend failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const ARRAYS: Record<DType, { new (b: ArrayBuffer): TypedData; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, float16: Uint16Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array,
};

export function decodeValue(v: WireValue): Value {
  if ('text' in v) return v.text;
  const kind = ARRAYS[v.dtype];
  if (!kind) throw new UserError(`unknown dtype "${v.dtype}"`, { hint: `use one of: ${Object.keys(ARRAYS).join(', ')}` });
  const bytes = Buffer.from(v.data, 'base64');
  const n = v.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * kind.BYTES_PER_ELEMENT) throw new UserError(`${bytes.length} bytes of ${v.dtype} do not fill shape [${v.shape.join(', ')}]`, { hint: 'send shape and data of the same tensor' });
  const copy = new ArrayBuffer(bytes.length); // aligned for the typed array
  new Uint8Array(copy).set(bytes);
  return { dtype: v.dtype, shape: v.shape, data: new kind(copy) };
}

export function encodeValue(v: Value): WireValue {
  if (typeof v === 'string') return { text: v };
  const t = v as Tensor;
  return { dtype: t.dtype, shape: t.shape, data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') };
}

interface PipelineGraph {
  audio: { sample_rate: number; hop?: number; mel?: Record<string, unknown> };
  graph: { id: string; step?: string; params: Record<string, unknown> }[];
}

/** The pipeline's host steps by stage id, each created on its first call (a factory may read a file). */
export class StepHost {
  private readonly made = new Map<string, Promise<HostStep>>();
  private readonly pipeline: PipelineGraph;

  constructor(private readonly file: string) {
    this.pipeline = JSON.parse(readFileSync(file, 'utf8')) as PipelineGraph;
  }

  private step(id: string): Promise<HostStep> {
    let s = this.made.get(id);
    if (!s) {
      const index = this.pipeline.graph.findIndex((g) => g.id === id && g.step);
      if (index < 0) throw new UserError(`no host step stage "${id}" in ${this.file}`, { hint: `its step stages: ${this.pipeline.graph.filter((g) => g.step).map((g) => g.id).join(', ')}` });
      const st = this.pipeline.graph[index]!;
      const def = registry.step(st.step!);
      if (!def) throw new UserError(`step "${st.step}" is not in this bundle`, { place: { file: this.file, path: `graph[${index}].step` }, hint: `it has: ${registry.stepNames().join(', ')}; package again with the emovoice that knows it` });
      s = Promise.resolve(def.create(st.params, { manifestPath: this.file, dir: dirname(this.file), audio: this.pipeline.audio, place: { file: this.file, path: `graph[${index}].params` } }));
      this.made.set(id, s);
      s.catch(() => this.made.delete(id)); // a failed factory is tried again on the next call
    }
    return s;
  }

  async call(req: { step?: unknown; inputs?: unknown }): Promise<StepAnswer> {
    try {
      if (typeof req.step !== 'string' || !req.inputs || typeof req.inputs !== 'object') throw new UserError('a step call needs "step" (a stage id) and "inputs"', { hint: 'send {"step": "<id>", "inputs": {"<port>": {...}}}' });
      const inputs: ValueMap = {};
      for (const [port, v] of Object.entries(req.inputs as Record<string, WireValue>)) inputs[port] = decodeValue(v);
      const outputs = await (await this.step(req.step)).run(inputs);
      const out: Record<string, WireValue> = {};
      for (const [port, v] of Object.entries(outputs)) out[port] = encodeValue(v);
      return { outputs: out };
    } catch (e) {
      if (e instanceof UserError) return { error: e.message, ...(e.hint ? { fix: e.hint } : {}), user: true };
      return { error: `step ${String(req.step)} failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

async function main(argv: string[]): Promise<void> {
  const arg = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const frontendFile = arg('--frontend');
  const pipelineFile = arg('--pipeline');
  if (!frontendFile && !pipelineFile) {
    process.stderr.write('usage: frontend.mjs --frontend frontend.json [--pipeline pipeline.json] [--max-phonemes N]\n');
    process.exit(2);
  }
  const defaultMax = arg('--max-phonemes') ? Number(arg('--max-phonemes')) : 128;
  // The frontend starts on first use: a frontend that cannot start (a missing dictionary, espeak-ng)
  // answers text requests with its error and leaves step calls working.
  let frontend: Promise<Frontend> | undefined;
  const getFrontend = (): Promise<Frontend> => {
    if (!frontendFile) return Promise.reject(new UserError('no frontend in this process', { hint: 'start it with --frontend frontend.json' }));
    frontend ??= openFrontend(frontendFile);
    return frontend;
  };
  const steps = pipelineFile ? new StepHost(pipelineFile) : undefined;
  const handle = async (req: Record<string, unknown>): Promise<unknown> => {
    if (req.ping) {
      const fe = await getFrontend().then(() => 'ok', (e: unknown) => (e instanceof UserError ? e.format() : String(e)));
      return { pong: true, steps: steps ? registry.stepNames() : [], frontend: fe };
    }
    if ('step' in req) return steps ? steps.call(req) : { error: 'no pipeline in this process', fix: 'start it with --pipeline pipeline.json' };
    let fe: Frontend;
    try {
      fe = await getFrontend();
    } catch (e) {
      frontend = undefined; // try again on the next request
      return e instanceof UserError ? { error: `the text frontend cannot start: ${e.message}`, ...(e.hint ? { fix: e.hint } : {}) } : { error: `the text frontend cannot start: ${String(e)}` };
    }
    return answer(req, fe, defaultMax);
  };
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // answers go out in request order: one line at a time
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    if (!line.trim()) return;
    chain = chain.then(async () => {
      let req: unknown;
      try {
        req = JSON.parse(line);
      } catch {
        req = undefined;
      }
      const out = req && typeof req === 'object' ? await handle(req as Record<string, unknown>) : { error: 'request is not valid JSON', fix: 'send one JSON object per line' };
      process.stdout.write(JSON.stringify(out) + '\n');
    });
  });
}

// Run as a program (the bundle, or `tsx src/serving/frontend-server.ts`), not when imported by tests.
if (process.argv[1] && /frontend(-server)?\.(mjs|ts|js)$/.test(process.argv[1])) await main(process.argv.slice(2));
