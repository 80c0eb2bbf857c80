// The TensorRT backend: runs a built engine through trtexec (no TensorRT bindings exist for Node).
// Inputs go in as raw little-endian files (--loadInputs), outputs come back through --exportOutput,
// whose JSON trtexec writes as [{ "name", "dimensions": "1x80x100", "values": [...] }]
// (samples/common/sampleReporting.cpp, exportJSONOutput). Values are printed by a C++ ostream with
// default precision (6 significant digits), so fp32 comparisons against this backend carry ~1e-6
// relative rounding on top of the engine's own error.
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { runTrtexec } from '../trtexec/run.ts';
import type { DType, Tensor, TensorMap } from '../tensor/tensor.ts';
import type { IoInfo, Runner } from './runner.ts';

export interface TrtRunnerOptions {
  exe: string | null;
  engine: string;
  /** Expected I/O from the model manifest (names, dtypes) — trtexec's JSON carries no dtypes. */
  inputs: IoInfo[];
  outputs: IoInfo[];
  timeoutMs?: number;
  /** Allowance per call for the trtexec process itself (default TRTEXEC_CALL_OVERHEAD_MS). */
  callOverheadMs?: number;
}

/** trtexec arguments for one inference on a dynamic-shape engine. Pure. */
export function inferenceArgv(engine: string, inputs: { name: string; shape: number[]; file: string }[], outputJson: string): string[] {
  const argv = [`--loadEngine=${engine}`];
  if (inputs.length) {
    argv.push(`--shapes=${inputs.map((i) => `${i.name}:${i.shape.join('x')}`).join(',')}`);
    argv.push(`--loadInputs=${inputs.map((i) => `${i.name}:${i.file}`).join(',')}`);
  }
  argv.push('--iterations=1', '--warmUp=0', '--duration=0', '--avgRuns=1', `--exportOutput=${outputJson}`);
  return argv;
}

interface ExportedOutput {
  name: string;
  dimensions: string;
  values: number[];
}

/** Parse trtexec's --exportOutput JSON into tensors with the dtypes the manifest declares. Pure. */
export function parseExportedOutputs(json: string, outputs: IoInfo[]): TensorMap {
  const parsed = JSON.parse(json) as ExportedOutput[];
  const out: TensorMap = {};
  for (const o of parsed) {
    const shape = o.dimensions.split('x').filter(Boolean).map(Number);
    const declared = outputs.find((x) => x.name === o.name);
    const dtype = (declared?.dtype ?? 'float32') as DType;
    out[o.name] = fromNumbers(dtype, shape, o.values);
  }
  return out;
}

function fromNumbers(dtype: DType, shape: number[], values: number[]): Tensor {
  switch (dtype) {
    case 'int32':
      return { dtype, shape, data: Int32Array.from(values) };
    case 'int64':
      return { dtype, shape, data: BigInt64Array.from(values.map((v) => BigInt(Math.round(v)))) };
    case 'bool':
      return { dtype, shape, data: Uint8Array.from(values.map((v) => (v ? 1 : 0))) };
    default:
      // float16 engine outputs are printed as floats; we keep them as float32 values.
      return { dtype: 'float32', shape, data: Float32Array.from(values) };
  }
}

function rawBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * What one trtexec process costs beyond the inference itself (CUDA start-up, engine deserialisation,
 * writing the outputs as text): allowed on top of a per-call timeout, so the timeout judges the engine.
 */
export const TRTEXEC_CALL_OVERHEAD_MS = 30_000;

export class TrtexecRunner implements Runner {
  readonly name: string;
  readonly callOverheadMs: number;

  constructor(private readonly opts: TrtRunnerOptions) {
    this.name = `trt:${opts.engine}`;
    this.callOverheadMs = opts.callOverheadMs ?? TRTEXEC_CALL_OVERHEAD_MS;
  }

  async load(): Promise<void> {
    if (!this.opts.exe) {
      throw new UserError('the trt backend needs trtexec, which was not found', {
        hint: 'install TensorRT and put trtexec on PATH or set TRTEXEC=, or use --backend ort',
        exitCode: 3,
      });
    }
    try {
      await stat(this.opts.engine);
    } catch {
      throw new UserError('engine file not found', {
        place: { file: this.opts.engine },
        hint: 'run `emovoice build` for this profile first',
        exitCode: 3,
      });
    }
  }

  inputs(): IoInfo[] {
    return this.opts.inputs;
  }
  outputs(): IoInfo[] {
    return this.opts.outputs;
  }

  async infer(feeds: TensorMap, outputNames?: string[]): Promise<TensorMap> {
    const dir = await mkdtemp(join(tmpdir(), 'emovoice-trt-'));
    try {
      const inputs = [];
      for (const io of this.opts.inputs) {
        const t = feeds[io.name];
        if (!t) throw new UserError(`missing input "${io.name}" for ${this.opts.engine}`);
        const file = join(dir, `${io.name}.bin`);
        await writeFile(file, rawBytes(t));
        inputs.push({ name: io.name, shape: t.shape, file });
      }
      const outJson = join(dir, 'outputs.json');
      const run = await runTrtexec({
        exe: this.opts.exe!,
        argv: inferenceArgv(this.opts.engine, inputs, outJson),
        logFile: join(dir, 'trtexec.log'),
        timeoutMs: this.opts.timeoutMs ? this.opts.timeoutMs + this.callOverheadMs : undefined,
      });
      if (run.exitCode !== 0 || run.signal || run.timedOut) {
        const log = await readFile(join(dir, 'trtexec.log'), 'utf8').catch(() => '');
        const err = log.split('\n').find((l) => l.includes('[E]')) ?? `exit ${run.exitCode ?? run.signal}`;
        throw new Error(`trtexec inference failed on ${this.opts.engine}: ${err.trim()}`);
      }
      const all = parseExportedOutputs(await readFile(outJson, 'utf8'), this.opts.outputs);
      if (!outputNames) return all;
      return Object.fromEntries(outputNames.map((n) => [n, all[n]!]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}
}
